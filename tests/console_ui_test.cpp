// The whole console window, headless: every kind of snapshot draws, shortcuts and the progress
// bar's Cancel emit the right commands, and the demo driver waits for its state.

#include <imgui_internal.h>
#include <catch2/catch.hpp>

#include "app/console/console_ui.hpp"
#include "app/console/demo_state.hpp"
#include "app/console/redraw_policy.hpp"
#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/focus_order.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {

struct Fixture {
  HeadlessUi ui{false};
  ConsoleUi console;
  Snapshot snap = synced_snapshot();
  Commands out;
  HeadlessUi::Draw draw = [this] { console.draw(snap, out, unix_now_ms()); };
};

}  // namespace

TEST_CASE("console: every kind of snapshot draws", "[console][ui]") {
  Fixture f;
  const std::vector<std::pair<const char*, Snapshot>> cases = {
      {"empty", empty_snapshot()},           {"unconfigured", unconfigured_snapshot()},
      {"100k rows", big_table_snapshot()},   {"conflicts", conflicts_snapshot(3)},
      {"offline", offline_snapshot()},       {"error", error_snapshot()},
      {"syncing", syncing_snapshot(20, 80)},
  };
  for (const auto& [name, s] : cases) {
    INFO(name);
    f.snap = s;
    for (Tab t : {Tab::data, Tab::conflicts, Tab::charts, Tab::activity}) {
      f.console.select_tab(t);
      f.ui.frame(f.draw);
      f.ui.frame(f.draw);
      CHECK(f.console.tab() == t);
    }
  }
  // Only reads were asked for (the inspector's pages and details), never a write.
  for (const Command& c : f.out.items())
    CHECK((std::holds_alternative<BrowseTable>(c) || std::holds_alternative<ShowRecord>(c)));
}

TEST_CASE("console: Ctrl+S syncs now, except while a sync runs or with no server",
          "[console][ui]") {
  Fixture f;
  f.ui.frame(f.draw);
  f.ui.press_key(kKeyS, true, f.draw);
  CHECK(f.out.count<SyncNow>() == 1);
  f.ui.press_key(kKeyS, false, f.draw);  // S alone types, it does not sync
  CHECK(f.out.count<SyncNow>() == 1);
  f.snap = syncing_snapshot(1, 2);
  f.ui.press_key(kKeyS, true, f.draw);
  CHECK(f.out.count<SyncNow>() == 1);
  f.snap = unconfigured_snapshot();
  f.ui.press_key(kKeyS, true, f.draw);
  CHECK(f.out.count<SyncNow>() == 1);
}

TEST_CASE("console: Ctrl+2 opens the conflicts, Ctrl+F the search", "[console][ui]") {
  Fixture f;
  f.snap = conflicts_snapshot(2);
  f.ui.frame(f.draw);
  f.ui.press_key(kKey1 + 1, true, f.draw);
  CHECK(f.console.tab() == Tab::conflicts);
  f.ui.press_key(kKeyF, true, f.draw);
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);  // the tab switches, then the search field takes the keyboard
  CHECK(f.console.tab() == Tab::data);
  CHECK(ImGui::GetIO().WantTextInput);
}

TEST_CASE("console: the progress bar's Cancel cancels the sync", "[console][ui]") {
  Fixture f;
  f.snap = syncing_snapshot(45000, 100000);
  REQUIRE(f.ui.click("Cancel##progress", f.draw));
  CHECK(f.out.count<CancelSync>() == 1);
  f.snap.sync.cancelling = true;
  f.ui.frame(f.draw);
  CHECK_FALSE(f.ui.item("Cancel##progress")->enabled);
  f.snap.sync.running = false;
  f.ui.frame(f.draw);
  CHECK(f.ui.item("Cancel##progress") == nullptr);
}

TEST_CASE("console: a sync starting moves nothing, and the Sync Now tooltip leaves Cancel free",
          "[console][ui]") {
  Fixture f;
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  REQUIRE(f.ui.item("Data & metadata###tab_data"));
  ImVec2 idle_tab = f.ui.item("Data & metadata###tab_data")->min;
  f.snap = syncing_snapshot(45000, 100000);
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  REQUIRE(f.ui.item("Data & metadata###tab_data"));
  CHECK(f.ui.item("Data & metadata###tab_data")->min.y == idle_tab.y);

  // Hover the header's Sync Now (disabled while syncing, but its tooltip still shows).
  const ProbedItem* sync = f.ui.item("Sync Now##header");
  REQUIRE(sync);
  ImVec2 over = sync->center();
  ImGui::GetIO().MousePos = over;
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  ImGuiWindow* tip = nullptr;
  for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
    if ((w->Flags & ImGuiWindowFlags_Tooltip) && w->Active) tip = w;
  REQUIRE(tip);
  const ProbedItem* cancel = f.ui.item("Cancel##progress");
  REQUIRE(cancel);
  ImRect tip_rect = tip->Rect(), cancel_rect(cancel->min, cancel->max);
  CHECK_FALSE(tip_rect.Overlaps(cancel_rect));
}

TEST_CASE("console: a narrow window folds the sidebar behind Settings; nothing is cut off",
          "[console][ui]") {
  for (auto [w, h] : {std::pair{1024.f, 700.f}, {1280.f, 800.f}, {1920.f, 1080.f}}) {
    INFO(w << "x" << h);
    HeadlessUi ui(false, w, h);
    ConsoleUi console;
    Snapshot snap = synced_snapshot();
    Commands out;
    auto draw = [&] { console.draw(snap, out, unix_now_ms()); };
    ui.frame(draw);
    ui.frame(draw);
    bool narrow = w < 1200;
    CHECK(console.narrow() == narrow);
    CHECK((ui.item("Settings##sidebar_toggle") != nullptr) == narrow);
    if (narrow) {
      CHECK(ui.item("Test connection##test") == nullptr);  // folded away
      REQUIRE(ui.click("Settings##sidebar_toggle", draw));
      ui.frame(draw);
    }
    // The sidebar's widest rows end inside the sidebar, and the toolbar inside the window.
    ImGuiWindow* sidebar = nullptr;
    for (ImGuiWindow* win : ImGui::GetCurrentContext()->Windows)
      if (win->Active && std::string(win->Name).find("##sidebar") != std::string::npos)
        sidebar = win;
    REQUIRE(sidebar);
    for (const char* label : {"Test connection##test", "Pull##direction", "Show"}) {
      INFO(label);
      const ProbedItem* item = ui.item(label);
      REQUIRE(item);
      CHECK(item->max.x <= sidebar->InnerClipRect.Max.x);
    }
    for (const char* label : {"Sync Now##header", "Verify##verify", "New customer##new_record"}) {
      INFO(label);
      const ProbedItem* item = ui.item(label);
      REQUIRE(item);
      CHECK(item->max.x <= w);
    }
    // The conflict history's Restore buttons, even beside a long overwritten value.
    snap = conflicts_snapshot(1);
    ConflictRecord done = snap.resolved_conflicts->front();
    done.remote["email"] = "accounts-payable.department@northshore-custom-cabinetry.example.com";
    snap.resolved_conflicts =
        std::make_shared<const std::vector<ConflictRecord>>(std::vector<ConflictRecord>{done});
    console.select_tab(Tab::conflicts);
    ui.frame(draw);
    ui.frame(draw);
    for (const std::string field : {"phone", "email"}) {
      std::string label = "Restore##" + std::to_string(done.id) + "_" + field;
      INFO(label);
      const ProbedItem* item = ui.item(label);
      REQUIRE(item);
      CHECK(item->max.x <= w);
      CHECK(item->min.x >= 0);
    }
  }
  // With no server yet, a narrow window opens the sidebar by itself: setup is there.
  HeadlessUi ui(false, 1024, 700);
  ConsoleUi console;
  Snapshot first_run = unconfigured_snapshot();
  Commands out;
  auto draw = [&] { console.draw(first_run, out, unix_now_ms()); };
  ui.frame(draw);
  ui.frame(draw);
  CHECK(ui.item("Test connection##test"));
}

TEST_CASE("console: clicking the conflicts badge opens the conflicts tab", "[console][ui]") {
  Fixture f;
  f.snap = conflicts_snapshot(3);
  f.ui.frame(f.draw);
  CHECK(f.console.tab() == Tab::data);
  REQUIRE(f.ui.click("\xE2\x9A\xA0 3 conflicts need attention##status_badge", f.draw));
  f.ui.frame(f.draw);
  CHECK(f.console.tab() == Tab::conflicts);
}

TEST_CASE("demo driver: waits for the worker to be idle and for its state", "[console][demo]") {
  Fixture f;
  DemoDriver none(DemoState::none);
  Snapshot s = synced_snapshot();
  s.commands_done = 2;
  CHECK(none.ready(s, 2));
  CHECK_FALSE(none.ready(s, 3));  // a command is still with the worker
  s.launch_sync_pending = true;
  CHECK_FALSE(none.ready(s, 2));

  DemoDriver syncing(DemoState::syncing);
  CHECK_FALSE(syncing.ready(syncing_snapshot(10, 100), 0));
  CHECK(syncing.ready(syncing_snapshot(30, 100), 0));

  DemoDriver offline(DemoState::offline);
  CHECK_FALSE(offline.ready(synced_snapshot(), 0));
  CHECK(offline.ready(offline_snapshot(), 0));

  DemoDriver conflicts(DemoState::conflicts);
  Snapshot c = conflicts_snapshot(1);
  conflicts.before_frame(c, f.console, f.out);
  f.snap = c;
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);  // a tab chosen in code shows from the next frame
  CHECK(f.console.tab() == Tab::conflicts);
  CHECK(parse_demo_state("inspector") == DemoState::inspector);
  CHECK_FALSE(parse_demo_state("nonsense").has_value());
}

TEST_CASE("console: Tab goes through the whole window, Shift+Tab back, and Space presses",
          "[console][ui][focus]") {
  Fixture f;
  ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;  // as the console sets it
  f.snap = big_table_snapshot(1000);
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  // From nothing focused, Tab by Tab: every stop once, in drawing order, then round again.
  std::vector<std::string> seen;
  for (int i = 0; i < 80; ++i) {
    focus_tab(+1);
    for (int k = 0; k < 3; ++k) f.ui.frame(f.draw);  // a text field takes its focus a frame later
    std::string now = focused_stop();
    REQUIRE_FALSE(now.empty());
    if (!seen.empty() && now == seen.front()) break;
    seen.push_back(now);
  }
  std::string all;
  for (const auto& x : seen) all += x + " | ";
  INFO("stops: " << all);
  auto has = [&](const std::string& label) {
    return std::find(seen.begin(), seen.end(), label) != seen.end();
  };
  auto pos = [&](const std::string& label) {
    return std::find(seen.begin(), seen.end(), label) - seen.begin();
  };
  // Buttons, the sidebar's fields, the tabs, the search and the table: not only text fields.
  CHECK(has("Sync Now##header"));
  CHECK(has("##url"));
  CHECK(has("##key"));
  CHECK(has("Show"));
  CHECK(has("Auto-sync"));
  CHECK(has("Test connection##test"));
  CHECK(has("##search"));
  CHECK(has("##state_filter"));
  CHECK(has("table"));
  CHECK(pos("Sync Now##header") < pos("##url"));
  CHECK(pos("##url") < pos("##key"));
  CHECK(pos("##search") < pos("table"));
  CHECK(seen.size() > 15);

  // Shift+Tab goes back one stop.
  auto tab_to = [&](const std::string& label) {
    for (int i = 0; i < 100 && focused_stop() != label; ++i) {
      focus_tab(+1);
      for (int k = 0; k < 3; ++k) f.ui.frame(f.draw);
    }
    return focused_stop() == label;
  };
  REQUIRE(tab_to("##search"));
  // The search field takes typing once Tab reached it.
  f.ui.frame(f.draw);  // ImGui tells the platform so at the frame after
  CHECK(ImGui::GetIO().WantTextInput);
  focus_tab(-1);
  for (int k = 0; k < 3; ++k) f.ui.frame(f.draw);
  CHECK(focused_stop() == seen[static_cast<std::size_t>(pos("##search") - 1)]);
  f.ui.frame(f.draw);
  CHECK_FALSE(ImGui::GetIO().WantTextInput);  // leaving a field ends its editing

  // Space presses the focused button.
  REQUIRE(tab_to("Sync Now##header"));
  f.out.clear();
  f.ui.press_key(ImGui::GetIO().KeyMap[ImGuiKey_Space], false, f.draw);
  CHECK(f.out.count<SyncNow>() == 1);
}

TEST_CASE("console: frames are drawn after the last input, also one that comes while drawing",
          "[console][ui][redraw]") {
  RedrawPolicy r;
  while (r.busy()) r.frame_drawn();  // the first frames lay the window out
  // A click: its press wakes the loop...
  r.input();
  r.frame_drawn();
  r.frame_drawn();
  // ...and its release arrives while those frames are drawn. ImGui acts on the release, and
  // shows it at the frame after: there must be frames left after the release, not the press.
  r.input();
  int drawn = 0;
  while (r.busy()) {
    r.frame_drawn();
    ++drawn;
  }
  CHECK(drawn == RedrawPolicy::kFramesAfterInput);
  CHECK(drawn >= 2);
  // A snapshot alone draws once; commands sent draw the frame that shows their answer too.
  r.snapshot();
  CHECK(r.busy());
  r.frame_drawn();
  CHECK_FALSE(r.busy());
  r.commands_sent();
  r.frame_drawn();
  CHECK(r.busy());
  r.frame_drawn();
  CHECK_FALSE(r.busy());
}
