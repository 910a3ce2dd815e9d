// Sync & settings: manual sync, cancel, settings validation and saving, connection test.

#include <catch2/catch.hpp>

#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/focus_order.hpp"
#include "widgets/sync_panel.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {

struct Fixture {
  HeadlessUi ui;
  SyncPanel panel;
  Snapshot snap = synced_snapshot();
  Commands out;
  HeadlessUi::Draw draw = [this] { panel.draw(snap, out, unix_now_ms()); };
  void frame() { ui.frame(draw); }
  bool click(const std::string& label) { return ui.click(label, draw); }
};

}  // namespace

TEST_CASE("sync panel: Sync Now sends the chosen entity and direction", "[widgets][sync_panel]") {
  Fixture f;
  f.frame();
  REQUIRE(f.click("Pull##direction"));
  f.panel.entity = 2;  // quotes
  REQUIRE(f.click("Sync Now"));
  const SyncNow* c = f.out.last<SyncNow>();
  REQUIRE(c);
  CHECK(c->direction == Direction::pull);
  REQUIRE(c->entities.size() == 1);
  CHECK(c->entities[0] == Entity::quotes);
  CHECK_FALSE(c->policy.has_value());
}

TEST_CASE("sync panel: Sync Now is off while syncing or unconfigured, Cancel only while syncing",
          "[widgets][sync_panel]") {
  Fixture f;
  f.frame();
  CHECK_FALSE(f.ui.item("Cancel")->enabled);
  f.snap = syncing_snapshot(10, 100);
  f.frame();
  CHECK_FALSE(f.ui.item("Sync Now")->enabled);
  REQUIRE(f.click("Cancel"));
  CHECK(f.out.count<CancelSync>() == 1);
  CHECK(f.out.count<SyncNow>() == 0);

  f.snap = unconfigured_snapshot();
  f.out.clear();
  f.frame();
  CHECK_FALSE(f.click("Sync Now"));
  CHECK(f.out.empty());
}

TEST_CASE("sync panel: the interval must be 5 to 1440 minutes", "[widgets][sync_panel]") {
  SettingsForm form;
  for (int ok : {5, 30, 1440}) {
    form.interval_minutes = ok;
    CHECK(form.problem().empty());
  }
  for (int bad : {0, 4, 1441, -30}) {
    form.interval_minutes = bad;
    CHECK_FALSE(form.problem().empty());
    CHECK_FALSE(form.save_command(synced_snapshot()).has_value());
  }
  form.interval_minutes = 30;
  form.url = "ftp://nope";
  form.api_key = "k";
  CHECK_FALSE(form.problem().empty());
  form.url = "https://sync.example.com";
  form.api_key = "";
  CHECK_FALSE(form.problem().empty());
}

TEST_CASE("sync panel: an invalid interval disables Save, a valid edit saves",
          "[widgets][sync_panel]") {
  Fixture f;
  f.frame();
  CHECK_FALSE(f.ui.item("Save settings")->enabled);  // nothing edited
  f.panel.editing = true;
  f.panel.form.interval_minutes = 2;
  f.frame();
  CHECK_FALSE(f.ui.item("Save settings")->enabled);

  f.panel.form.interval_minutes = 45;
  f.panel.form.policy = 2;
  f.panel.form.sync_on_launch = false;
  REQUIRE(f.click("Save settings"));
  const SaveSettings* c = f.out.last<SaveSettings>();
  REQUIRE(c);
  CHECK(c->settings.sync_interval_minutes == 45);
  CHECK(c->settings.conflict_resolution == ConflictPolicy::manual);
  CHECK_FALSE(c->settings.sync_on_launch);
  CHECK_FALSE(c->save_remote);  // URL and key unchanged: the config file is left alone
  CHECK_FALSE(f.panel.editing);
}

TEST_CASE("sync panel: a new server URL and key are saved to the config file",
          "[widgets][sync_panel]") {
  Fixture f;
  f.frame();
  f.panel.editing = true;
  f.panel.form.url = "https://sync.example.com";
  f.panel.form.api_key = "new-key";
  REQUIRE(f.click("Save settings"));
  const SaveSettings* c = f.out.last<SaveSettings>();
  REQUIRE(c);
  CHECK(c->save_remote);
  CHECK(c->url == "https://sync.example.com");
  CHECK(c->api_key == "new-key");
}

TEST_CASE("sync panel: Test connection tests what is typed and shows the result",
          "[widgets][sync_panel]") {
  Fixture f;
  f.frame();
  f.panel.editing = true;
  f.panel.form.url = "http://10.0.0.5:8080";
  f.panel.form.api_key = "typed";
  REQUIRE(f.click("Test connection##test"));
  const TestConnection* c = f.out.last<TestConnection>();
  REQUIRE(c);
  CHECK(c->url == "http://10.0.0.5:8080");
  CHECK(c->api_key == "typed");

  ConnectionReport r;
  r.reachable = true;
  r.authenticated = true;
  r.role = "sync";
  r.round_trip_ms = 3.5;
  r.server_version = "0.1.0";
  f.snap.connection_test = std::make_shared<const ConnectionReport>(r);
  f.snap.connection_test_url = "http://10.0.0.5:8080";
  f.snap.connection_test_key = "typed";
  f.frame();
  auto result_shown = [&] {
    const ProbedItem* t = f.ui.item("##conn_test");
    return t && t->frame == ImGui::GetFrameCount();
  };
  CHECK(result_shown());

  // The result speaks for what was tested: a changed key, or Revert, takes it off the screen.
  f.panel.form.api_key = "typed-more";
  f.frame();
  CHECK_FALSE(result_shown());
  f.panel.form.api_key = "typed";
  f.frame();
  CHECK(result_shown());
  REQUIRE(f.click("Revert"));
  f.frame();
  CHECK(f.panel.form.url == f.snap.remote.url);
  CHECK_FALSE(result_shown());

  f.snap.testing_connection = true;
  f.frame();
  CHECK_FALSE(f.ui.item("Testing...##test")->enabled);  // one test at a time
}

TEST_CASE("sync panel: editing a setting moves nothing below it", "[widgets][sync_panel]") {
  Fixture f;
  f.snap.next_auto_sync_ms = unix_now_ms() + 60000;
  f.frame();
  f.frame();
  REQUIRE(f.ui.item("Test connection##test"));
  float before = f.ui.item("Test connection##test")->min.y;
  REQUIRE(f.click("Live sync"));  // an edit: live sync off, not saved yet
  CHECK(f.panel.editing);
  f.frame();
  CHECK(f.ui.item("Test connection##test")->min.y == before);
  f.panel.form.interval_minutes = 3;  // invalid: the error takes the same line
  f.frame();
  CHECK(f.ui.item("Test connection##test")->min.y == before);
  REQUIRE(f.click("Revert"));
  f.frame();
  CHECK(f.ui.item("Test connection##test")->min.y == before);
}

TEST_CASE("sync panel: the key is masked until Show is ticked", "[widgets][sync_panel]") {
  Fixture f;
  f.frame();
  CHECK_FALSE(f.panel.show_key);
  REQUIRE(f.click("Show"));
  CHECK(f.panel.show_key);
}

TEST_CASE("sync panel: first run with no server focuses the URL field", "[widgets][sync_panel]") {
  Fixture f;
  f.snap = unconfigured_snapshot();
  f.frame();
  CHECK_FALSE(f.panel.focus_url);  // consumed: the URL field got the keyboard
  f.frame();
  f.frame();  // focus lands one frame after the request, and io reports it the frame after
  CHECK(ImGui::GetIO().WantTextInput);
  CHECK(f.ui.item("Test connection##test") != nullptr);  // the Server section is open
}

TEST_CASE("sync panel: focus stops start afresh each frame without the console's frame end",
          "[widgets][sync_panel][focus]") {
  // A panel drawn on its own never calls focus_end_frame(): its stops must not pile up.
  Fixture f;
  f.frame();
  std::size_t one_frame = focus_stops_drawn();
  REQUIRE(one_frame > 0);
  for (int i = 0; i < 50; ++i) f.frame();
  CHECK(focus_stops_drawn() == one_frame);
}
