// The inspector's Verify strip and the record detail's History section, headless: what they
// ask the worker for, and what they offer for the snapshot they are given.

#include <imgui_internal.h>

#include <catch2/catch.hpp>

#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/data_inspector.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;
using nlohmann::json;

namespace {

struct Fixture {
  HeadlessUi ui;
  DataInspector inspector;
  Snapshot snap = big_table_snapshot(100);
  Commands out;
  HeadlessUi::Draw draw = [this] { inspector.draw(snap, out, 1'800'000'000'000); };
  Fixture() {
    snap.remote.url = "http://127.0.0.1:1";
    snap.remote.api_key = "csk_x";
  }
};

std::shared_ptr<const VerifyReport> report(bool ok) {
  auto r = std::make_shared<VerifyReport>();
  r->ok = ok;
  EntityCheck c;
  c.entity = Entity::customers;
  c.local = c.server = 100;
  if (!ok) c.differ = {"0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b"};
  r->entities = {c};
  return r;
}

RevisionView revision(std::int64_t rev, const std::string& city, const std::string& by) {
  RevisionView r;
  r.rev = rev;
  r.at = "2026-12-02T18:00:00.000Z";
  r.by = by;
  r.data = {{"id", fixture_uuid(3)},
            {"name", "Ada"},
            {"city", city},
            {"created_at", "2026-12-01T10:00:00.000Z"}};
  return r;
}

}  // namespace

TEST_CASE("verify strip: the button asks for a verify, Repair for a repair", "[widgets][verify]") {
  Fixture f;
  f.ui.frame(f.draw);
  REQUIRE(f.ui.click("Verify##verify", f.draw));
  REQUIRE(f.out.last<VerifyNow>());
  CHECK_FALSE(f.out.last<VerifyNow>()->repair);
  CHECK(f.ui.item("Repair##verify") == nullptr);  // nothing to repair before a verify

  f.out.clear();
  f.snap.verify.running = true;
  f.ui.frame(f.draw);
  CHECK_FALSE(f.ui.click("Verify##verify", f.draw));  // disabled while one runs
  REQUIRE(f.ui.click("Cancel##verify", f.draw));
  CHECK(f.out.count<CancelSync>() == 1);

  f.out.clear();
  f.snap.verify.running = false;
  f.snap.verify.report = report(false);
  f.ui.frame(f.draw);
  REQUIRE(f.ui.click("Repair##verify", f.draw));
  REQUIRE(f.out.last<VerifyNow>());
  CHECK(f.out.last<VerifyNow>()->repair);
  REQUIRE(f.ui.click("Details##verify", f.draw));
  f.ui.frame(f.draw);
  CHECK(ImGui::FindWindowByName("Verify details###verify_details") != nullptr);

  f.snap.verify.report = report(true);
  f.out.clear();
  f.ui.frame(f.draw);
  CHECK_FALSE(f.ui.click("Repair##verify", f.draw));  // nothing left to repair
  CHECK(f.out.count<VerifyNow>() == 0);
}

TEST_CASE("history section: opening it asks once; Restore sends that version's fields",
          "[widgets][history]") {
  Fixture f;
  auto d = std::make_shared<RecordDetail>();
  d->entity = Entity::customers;
  d->id = fixture_uuid(3);
  d->found = true;
  d->row = {{"id", d->id}, {"name", "Ada"}, {"city", "Bergen"}};
  f.inspector.selected_id = d->id;
  f.snap.detail = d;
  f.ui.frame(f.draw);
  REQUIRE(f.ui.click("History###history", f.draw));
  CHECK(f.out.count<ShowHistory>() == 1);
  REQUIRE(f.out.last<ShowHistory>()->id == d->id);

  auto h = std::make_shared<RecordHistory>();
  h->entity = Entity::customers;
  h->id = d->id;
  h->revisions = {revision(9, "Bergen", "admin:ops"), revision(4, "Oslo", "sql")};
  f.snap.history = HistoryState{Entity::customers, d->id, false, "", h};
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  CHECK(f.out.count<ShowHistory>() == 1);  // asked once, not every frame
  REQUIRE(f.ui.click("Restore this version", f.draw));
  const RestoreVersion* rv = f.out.last<RestoreVersion>();
  REQUIRE(rv);
  CHECK(rv->rev == 4);
  CHECK(rv->fields["city"] == "Oslo");
  CHECK_FALSE(rv->fields.contains("created_at"));  // the server's own fields are not restored
  REQUIRE(f.ui.click("Refresh##history", f.draw));
  CHECK(f.out.count<ShowHistory>() == 2);

  SECTION("an error from the server is shown, and Refresh still works") {
    f.snap.history = HistoryState{Entity::customers, d->id, false, "no history", nullptr};
    f.ui.frame(f.draw);
    CHECK(f.ui.click("Refresh##history", f.draw));
  }
}
