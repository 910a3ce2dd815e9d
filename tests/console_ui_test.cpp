// The whole console window, headless: every kind of snapshot draws, shortcuts and the progress
// bar's Cancel emit the right commands, and the demo driver waits for its state.

#include <imgui_internal.h>
#include <catch2/catch.hpp>

#include "app/console/console_ui.hpp"
#include "app/console/demo_state.hpp"
#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"

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
