// The status badge: what it says in each state, and that it opens its details.

#include <catch2/catch.hpp>

#include <imgui_internal.h>

#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/status_badge.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {
const std::int64_t kNow = unix_ms_from_iso("2026-11-26T12:00:00.000Z").value();
}

TEST_CASE("badge: synced says how long ago and the auto-sync interval", "[widgets][badge]") {
  BadgeView v = badge_view(synced_snapshot(kNow), kNow);
  CHECK(v.kind == BadgeKind::synced);
  CHECK(v.text == std::string(glyph::kCheck) + " Synced 5 minutes ago (Auto: 30m)");
  Snapshot off = synced_snapshot(kNow);
  off.settings.auto_sync_enabled = false;
  CHECK(badge_view(off, kNow).text.find("(Auto: off)") != std::string::npos);
}

TEST_CASE("badge: live sync says Live while its held pull is open", "[widgets][badge]") {
  Snapshot live = synced_snapshot(kNow);
  live.connection.live = true;
  BadgeView v = badge_view(live, kNow);
  CHECK(v.kind == BadgeKind::live);
  CHECK(v.text == std::string(glyph::kCheck) + " Live " + glyph::kDash + " synced 5 minutes ago");
  live.connection.link = Link::offline;  // a lost server wins over a stale flag
  CHECK(badge_view(live, kNow).kind == BadgeKind::offline);
  live = synced_snapshot(kNow);
  live.status.open_conflicts = 2;  // conflicts still need attention first
  live.connection.live = true;
  CHECK(badge_view(live, kNow).kind == BadgeKind::conflicts);
}

TEST_CASE("badge: every state reads differently", "[widgets][badge]") {
  CHECK(badge_view(empty_snapshot(), kNow).kind == BadgeKind::loading);
  CHECK(badge_view(unconfigured_snapshot(), kNow).kind == BadgeKind::unconfigured);

  Snapshot syncing = syncing_snapshot(45000, 100000);
  BadgeView sv = badge_view(syncing, kNow);
  CHECK(sv.kind == BadgeKind::syncing);
  CHECK(sv.text == "Syncing" + std::string(glyph::kEllipsis) + " 45% (45,000 / 100,000)");

  BadgeView ov = badge_view(offline_snapshot(kNow), kNow);
  CHECK(ov.kind == BadgeKind::offline);
  CHECK(ov.text == "Offline " + std::string(glyph::kDash) + " retrying in 30 s");

  CHECK(badge_view(error_snapshot(), kNow).kind == BadgeKind::error);
  Snapshot refused = synced_snapshot(kNow);
  refused.connection.link = Link::auth_error;
  CHECK(badge_view(refused, kNow).kind == BadgeKind::auth_error);

  Snapshot c = conflicts_snapshot(3);
  BadgeView cv = badge_view(c, kNow);
  CHECK(cv.kind == BadgeKind::conflicts);
  CHECK(cv.text == std::string(glyph::kWarning) + " 3 conflicts need attention");
  c.status.open_conflicts = 1;
  CHECK(badge_view(c, kNow).text == std::string(glyph::kWarning) + " 1 conflict needs attention");

  Snapshot never = synced_snapshot(kNow);
  never.status.last_sync_at.clear();
  CHECK(badge_view(never, kNow).kind == BadgeKind::never_synced);
}

TEST_CASE("badge: offline and error colours differ", "[widgets][badge]") {
  HeadlessUi ui;  // the palette is read through ImGui colour helpers in some views
  ImVec4 off = badge_view(offline_snapshot(kNow), kNow).color;
  ImVec4 err = badge_view(error_snapshot(), kNow).color;
  CHECK((off.x != err.x || off.y != err.y || off.z != err.z));
}

TEST_CASE("badge: a click opens the details, on conflicts it also asks for the conflicts tab",
          "[widgets][badge]") {
  HeadlessUi ui;
  StatusBadge badge;
  Snapshot s = conflicts_snapshot(2);
  Commands out;
  bool clicked_conflicts = false;
  auto draw = [&] {
    badge.draw(s, out, kNow);
    clicked_conflicts = clicked_conflicts || badge.conflicts_clicked;
  };
  REQUIRE(
      ui.click(std::string(glyph::kWarning) + " 2 conflicts need attention##status_badge", draw));
  CHECK(clicked_conflicts);
  ui.frame(draw);
  CHECK(ImGui::GetCurrentContext()->OpenPopupStack.Size == 1);
  CHECK(out.empty());  // the badge only shows; it asks the worker for nothing
}

TEST_CASE("badge: after an outage the details offer Retry now, and long errors wrap",
          "[widgets][badge]") {
  HeadlessUi ui;
  StatusBadge badge;
  Snapshot s = offline_snapshot(kNow);
  s.connection.message = "connection refused";
  Commands out;
  auto draw = [&] { badge.draw(s, out, kNow); };
  std::string label = "Offline " + std::string(glyph::kDash) + " retrying in 30 s##status_badge";
  REQUIRE(ui.click(label, draw));
  auto popup_size = [&] {
    for (int i = 0; i < 3; ++i) ui.frame(draw);  // auto-resizing settles over a few frames
    ImGuiContext& g = *ImGui::GetCurrentContext();
    REQUIRE(g.OpenPopupStack.Size == 1);
    return g.OpenPopupStack[0].Window->Size;
  };
  ImVec2 short_error = popup_size();
  s.connection.message =
      "cannot reach http://sync.example.com:8080/api/v1/changes: Failed to connect to "
      "sync.example.com port 8080 after 2 ms: Connection refused";
  ImVec2 long_error = popup_size();
  CHECK(long_error.x == short_error.x);  // the columns keep their width...
  CHECK(long_error.y > short_error.y + ImGui::GetTextLineHeight());  // ...the error wraps

  REQUIRE(ui.click("Retry now", draw));
  REQUIRE(out.last<SyncNow>());
  CHECK(out.last<SyncNow>()->entities.empty());  // everything, both ways

  // Not when all is well.
  Commands none;
  Snapshot fine = synced_snapshot(kNow);
  StatusBadge other;
  auto draw_fine = [&] { other.draw(fine, none, kNow); };
  other.open_details = true;
  ui.frame(draw_fine);
  ui.frame(draw_fine);
  REQUIRE(ImGui::GetCurrentContext()->OpenPopupStack.Size == 1);
  const ProbedItem* stale = ui.item("Retry now");
  CHECK((stale == nullptr || stale->frame != ImGui::GetFrameCount()));
}

TEST_CASE("badge: 'not contacted' never sits unexplained next to an earlier success",
          "[widgets][badge]") {
  Snapshot s = synced_snapshot(kNow);
  CHECK(connection_state_text(s) == "online");
  s.connection.link = Link::unknown;  // started with --no-launch-sync, say
  CHECK(connection_state_text(s) == "not contacted since the console started");
  s.connection.settings_changed = true;  // a new key was just saved
  CHECK(connection_state_text(s) == "not contacted since the settings changed");
  Snapshot fresh = synced_snapshot(kNow);
  fresh.connection.link = Link::unknown;
  fresh.status.last_sync_at.clear();
  CHECK(connection_state_text(fresh) == "not contacted yet");
}
