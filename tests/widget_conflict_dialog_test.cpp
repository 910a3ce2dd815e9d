// The conflict dialog: keep local / keep remote / per-field picks, navigation, history and
// restoring an overwritten value.

#include <catch2/catch.hpp>

#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/conflict_dialog.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {

struct Fixture {
  HeadlessUi ui;
  ConflictDialog dialog;
  Snapshot snap = conflicts_snapshot(3);
  Commands out;
  HeadlessUi::Draw draw = [this] { dialog.draw(snap, out); };
  const ConflictRecord& open(std::size_t i) const { return (*snap.open_conflicts)[i]; }
};

}  // namespace

TEST_CASE("conflicts: Keep Local resolves the conflict on screen with the local side",
          "[widgets][conflict]") {
  Fixture f;
  REQUIRE(f.ui.click("Keep Local", f.draw));
  const ResolveConflict* c = f.out.last<ResolveConflict>();
  REQUIRE(c);
  CHECK(c->conflict_id == f.open(0).id);
  REQUIRE(c->resolution.keep);
  CHECK(*c->resolution.keep == Side::local);
  CHECK(c->resolution.fields.empty());
  CHECK(c->sync_now);  // "and sync now" is the default

  REQUIRE(f.ui.click("and sync now", f.draw));  // untick: the next sync takes it
  REQUIRE(f.ui.click("Keep Local", f.draw));
  CHECK_FALSE(f.out.last<ResolveConflict>()->sync_now);
}

TEST_CASE("conflicts: Next then Keep Remote resolves the second one", "[widgets][conflict]") {
  Fixture f;
  REQUIRE(f.ui.click("Next >", f.draw));
  CHECK(f.dialog.index == 1);
  REQUIRE(f.ui.click("Keep Remote", f.draw));
  const ResolveConflict* c = f.out.last<ResolveConflict>();
  REQUIRE(c);
  CHECK(c->conflict_id == f.open(1).id);
  CHECK(*c->resolution.keep == Side::remote);
  REQUIRE(f.ui.click("< Prev", f.draw));
  REQUIRE(f.ui.click("< Prev", f.draw));
  CHECK(f.dialog.index == 2);  // wraps round
}

TEST_CASE("conflicts: a pick per field, then Apply", "[widgets][conflict]") {
  Fixture f;
  f.ui.frame(f.draw);
  CHECK_FALSE(f.ui.item("Apply picks")->enabled);  // nothing picked yet
  REQUIRE(f.ui.click("Remote##pick_phone", f.draw));
  f.ui.frame(f.draw);
  CHECK_FALSE(f.ui.item("Apply picks")->enabled);  // email still open
  REQUIRE(f.ui.click("Local##pick_email", f.draw));
  REQUIRE(f.ui.click("Apply picks", f.draw));
  const ResolveConflict* c = f.out.last<ResolveConflict>();
  REQUIRE(c);
  CHECK(c->conflict_id == f.open(0).id);
  CHECK_FALSE(c->resolution.keep.has_value());
  CHECK(c->resolution.fields ==
        std::map<std::string, Side>{{"email", Side::local}, {"phone", Side::remote}});
}

TEST_CASE("conflicts: picks belong to one conflict", "[widgets][conflict]") {
  Fixture f;
  REQUIRE(f.ui.click("Remote##pick_phone", f.draw));
  CHECK(f.dialog.picks.size() == 1);
  REQUIRE(f.ui.click("Next >", f.draw));
  CHECK(f.dialog.picks.empty());
}

TEST_CASE("conflicts: when the one on screen is resolved, the next takes its place",
          "[widgets][conflict]") {
  Fixture f;
  REQUIRE(f.ui.click("Next >", f.draw));
  f.ui.frame(f.draw);
  std::int64_t shown = f.open(1).id;
  auto fewer = std::make_shared<std::vector<ConflictRecord>>(*f.snap.open_conflicts);
  fewer->erase(fewer->begin() + 1);
  f.snap.open_conflicts = fewer;
  f.ui.frame(f.draw);
  REQUIRE(f.ui.click("Keep Local", f.draw));
  const ResolveConflict* c = f.out.last<ResolveConflict>();
  REQUIRE(c);
  CHECK(c->conflict_id != shown);
  CHECK(c->conflict_id == (*fewer)[1].id);
}

TEST_CASE("conflicts: delete versus edit is decided for the whole record", "[widgets][conflict]") {
  Fixture f;
  ConflictRecord d = customer_conflict(77, fixture_uuid(77));
  d.fields = {"_deleted"};
  d.merged_fields.clear();
  d.remote = nullptr;  // deleted on the server
  f.snap.open_conflicts =
      std::make_shared<const std::vector<ConflictRecord>>(std::vector<ConflictRecord>{d});
  CHECK(is_delete_conflict(d));
  REQUIRE(f.ui.click("Remote##pick__deleted", f.draw));
  REQUIRE(f.ui.click("Apply picks", f.draw));
  const ResolveConflict* c = f.out.last<ResolveConflict>();
  REQUIRE(c);
  CHECK(c->conflict_id == 77);
  CHECK(*c->resolution.keep == Side::remote);
}

TEST_CASE("conflicts: the history offers the overwritten value back", "[widgets][conflict]") {
  Fixture f;
  const ConflictRecord& done = f.snap.resolved_conflicts->front();
  // "local" was kept, so the remote values lost.
  auto lost = losing_sides(done);
  CHECK(lost == std::map<std::string, Side>{{"email", Side::remote}, {"phone", Side::remote}});
  REQUIRE(f.ui.click("Restore##5_phone", f.draw));
  const RestoreValue* r = f.out.last<RestoreValue>();
  REQUIRE(r);
  CHECK(r->conflict_id == 5);
  CHECK(r->side == Side::remote);
  CHECK(r->field == "phone");
}

TEST_CASE("conflicts: losing sides of per-field and automatic resolutions", "[widgets][conflict]") {
  ConflictRecord c = customer_conflict(9, fixture_uuid(9));
  c.resolved = true;
  c.resolution = Outcome::parse(R"(fields:{"email":"local","phone":"remote"})");
  CHECK(losing_sides(c) ==
        std::map<std::string, Side>{{"email", Side::remote}, {"phone", Side::local}});
  c.resolution = Outcome::automatic(Side::remote);
  CHECK(losing_sides(c) ==
        std::map<std::string, Side>{{"email", Side::local}, {"phone", Side::local}});
  c.resolved = false;
  CHECK(losing_sides(c).empty());
}

TEST_CASE("conflicts: no conflicts draws a calm message and emits nothing", "[widgets][conflict]") {
  Fixture f;
  f.snap = synced_snapshot();
  f.ui.frame(f.draw);
  CHECK(f.ui.item("Keep Local") == nullptr);
  CHECK(f.out.empty());
}

TEST_CASE("conflicts: apply_picks needs every conflicting field", "[widgets][conflict]") {
  ConflictRecord c = customer_conflict(3, fixture_uuid(3));
  CHECK_FALSE(apply_picks(c, {{"phone", Side::local}}).has_value());
  auto r = apply_picks(c, {{"phone", Side::local}, {"email", Side::remote}});
  REQUIRE(r);
  CHECK(r->resolution.fields.size() == 2);
  CHECK(keep_side(c, Side::remote).resolution.keep == Side::remote);
}

TEST_CASE("conflicts: a record deleted on the server offers Restore it or Keep the delete",
          "[widgets][conflict]") {
  HeadlessUi ui;
  ConflictDialog dialog;
  Snapshot snap = conflicts_snapshot(1);
  ConflictRecord c = (*snap.open_conflicts)[0];
  c.fields = {std::string(kDeletedField)};
  c.remote = nullptr;
  c.dependents = {{Entity::quotes, fixture_uuid(901)}, {Entity::orders, fixture_uuid(902)}};
  snap.open_conflicts =
      std::make_shared<const std::vector<ConflictRecord>>(std::vector<ConflictRecord>{c});
  Commands out;
  HeadlessUi::Draw draw = [&] { dialog.draw(snap, out); };
  ui.frame(draw);
  CHECK(ui.item("Keep Local") == nullptr);  // said in the record's terms instead
  REQUIRE(ui.click("Keep the delete", draw));
  const ResolveConflict* keep = out.last<ResolveConflict>();
  REQUIRE(keep);
  CHECK(*keep->resolution.keep == Side::remote);
  REQUIRE(ui.click("Restore it", draw));
  CHECK(*out.last<ResolveConflict>()->resolution.keep == Side::local);
  REQUIRE(ui.click("Local##pick__deleted", draw));  // the pick for the record itself
  REQUIRE(ui.click("Apply picks", draw));
  CHECK(*out.last<ResolveConflict>()->resolution.keep == Side::local);
}

TEST_CASE("conflicts: every field one side changed is marked merged, whichever side it was",
          "[widgets][conflict]") {
  ConflictRecord c = customer_conflict(1, fixture_uuid(1));
  c.local["city"] = "Oslo";  // changed only here
  c.remote["state"] = "WA";  // changed only on the server, and not listed as merged
  CHECK(field_outcome(c, "phone") == FieldOutcome::conflicting);
  CHECK(field_outcome(c, "email") == FieldOutcome::conflicting);
  CHECK(field_outcome(c, "zip") == FieldOutcome::took_remote);  // in merged_fields
  CHECK(field_outcome(c, "city") == FieldOutcome::kept_local);
  CHECK(field_outcome(c, "state") == FieldOutcome::took_remote);
  CHECK(field_outcome(c, "name") == FieldOutcome::same);
  CHECK(field_outcome(c, "updated_at") == FieldOutcome::bookkeeping);

  // Drawn, it asks for nothing and survives both kinds of merged row.
  HeadlessUi ui;
  ConflictDialog dialog;
  Snapshot s = conflicts_snapshot(1);
  auto list = std::make_shared<std::vector<ConflictRecord>>(std::vector<ConflictRecord>{c});
  s.open_conflicts = list;
  Commands out;
  ui.frame([&] { dialog.draw(s, out); });
  CHECK(out.empty());
}
