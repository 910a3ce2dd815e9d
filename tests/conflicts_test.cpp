// Stored conflicts: the history table, and a person's decision on an open conflict.

#include <catch2/catch.hpp>

#include "core/conflicts.hpp"
#include "core/reconcile.hpp"
#include "core/record_validation.hpp"
#include "tests/support/local_db.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

NewConflict city_conflict(const std::string& id, Outcome resolution = {}) {
  NewConflict c;
  c.entity = kCustomers;
  c.entity_id = id;
  c.base = customer_row(id, "Ada", "Paris");
  c.local = customer_row(id, "Ada", "Rome");
  c.remote = customer_row(id, "Ada", "Oslo");
  c.fields = {"city"};
  c.merged_fields = {"phone"};
  c.remote_rev = 4;
  c.resolution = std::move(resolution);
  return c;
}

/// Ada agreed at rev 3 (Ada, Paris); here renamed "Ada L" and moved to Rome, while the server
/// has "Ada K" in Oslo at rev 4: an open conflict on name and city, as a manual pull leaves it.
struct OpenConflict : LocalDb {
  std::int64_t id = 0;
  json remote = customer_row(kAda, "Ada K", "Oslo");
  OpenConflict() {
    seed_synced(kCustomers, customer_row(kAda, "Ada", "Paris"), 3);
    store.update(kCustomers, kAda, {{"name", "Ada L"}, {"city", "Rome"}});
    SqliteTxn txn(db);
    reconcile(db, store, kCustomers, kAda, remote, 4, ConflictPolicy::manual);
    txn.commit();
    id = list_conflicts(db, false).at(0).id;
  }
  json row() { return store.read_row(kCustomers, kAda).value_or(json(nullptr)); }
};
}  // namespace

TEST_CASE("conflicts: stored, listed and found", "[conflict]") {
  LocalDb l;
  std::int64_t open, done;
  {
    SqliteTxn txn(l.db);
    open = insert_conflict(l.db, city_conflict(kAda));
    NewConflict history = city_conflict(kBob, Outcome::automatic(Side::remote));
    history.dependents = {{Entity::quotes, kAda}};
    done = insert_conflict(l.db, history);
    txn.commit();
  }
  CHECK(done > open);
  CHECK(open_conflict_count(l.db) == 1);
  auto only_open = list_conflicts(l.db, false);
  REQUIRE(only_open.size() == 1);
  CHECK(only_open[0].id == open);
  auto all = list_conflicts(l.db, true);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == open);
  CHECK(all[1].id == done);

  ConflictRecord c = *find_conflict(l.db, open);
  CHECK(c.entity_id == kAda);
  CHECK(c.fields == std::vector<std::string>{"city"});
  CHECK(c.merged_fields == std::vector<std::string>{"phone"});
  CHECK(c.base == customer_row(kAda, "Ada", "Paris"));
  CHECK(c.local["city"] == "Rome");
  CHECK(c.remote["city"] == "Oslo");
  CHECK(c.remote_rev == 4);
  CHECK_FALSE(c.resolved);
  CHECK(c.resolution.open());
  CHECK(c.resolved_at.empty());
  CHECK(is_valid_timestamp(c.created_at));
  CHECK_FALSE(c.is_delete());
  CHECK(to_json(c)["resolution"].is_null());

  ConflictRecord h = *find_conflict(l.db, done);
  CHECK(h.resolved);
  CHECK(h.resolution.kind == Outcome::Kind::auto_remote);
  CHECK(is_valid_timestamp(h.resolved_at));
  CHECK(h.dependents == std::vector<RecordRef>{{Entity::quotes, kAda}});
  CHECK(to_json(h)["resolution"] == "auto_remote");

  CHECK_FALSE(find_conflict(l.db, done + 100));
}

TEST_CASE("conflicts: closing a record's open conflicts leaves the others alone", "[conflict]") {
  LocalDb l;
  std::int64_t ada1 = insert_conflict(l.db, city_conflict(kAda));
  std::int64_t ada2 = insert_conflict(l.db, city_conflict(kAda));
  std::int64_t bob = insert_conflict(l.db, city_conflict(kBob));
  close_open_conflicts(l.db, kCustomers, kAda, Outcome::discarded("the customer went away"));
  CHECK(open_conflict_count(l.db) == 1);
  for (std::int64_t id : {ada1, ada2}) {
    ConflictRecord c = *find_conflict(l.db, id);
    CHECK(c.resolved);
    CHECK(c.resolution.text() == "discarded: the customer went away");
    CHECK(is_valid_timestamp(c.resolved_at));
  }
  CHECK_FALSE(find_conflict(l.db, bob)->resolved);
  close_open_conflicts(l.db, Entity::quotes, kBob, Outcome::automatic(Side::local));
  CHECK_FALSE(find_conflict(l.db, bob)->resolved);  // another entity, same id
}

TEST_CASE("conflicts: resolving keeps one side, or a pick per field", "[conflict]") {
  OpenConflict a;
  REQUIRE(find_conflict(a.db, a.id)->fields == std::vector<std::string>{"name", "city"});
  Resolution res;
  std::string outcome;
  SECTION("keep remote: the record is the server's row, nothing to push") {
    res.keep = Side::remote;
    resolve_conflict(a.db, a.store, a.id, res);
    CHECK(a.row() == a.remote);
    CHECK(a.store.sync_info(kCustomers, kAda)->state == "synced");
    CHECK(a.store.outbox_for(kCustomers, kAda).empty());
    outcome = "remote";
  }
  SECTION("keep local: ours goes out on the remote's rev") {
    res.keep = Side::local;
    resolve_conflict(a.db, a.store, a.id, res);
    CHECK(a.row()["name"] == "Ada L");
    CHECK(a.row()["city"] == "Rome");
    auto info = a.store.sync_info(kCustomers, kAda);
    CHECK(info->state == "pending");
    CHECK(info->base == a.remote);
    auto out = a.store.outbox_for(kCustomers, kAda);
    REQUIRE(out.size() == 1);
    CHECK(out[0].base_rev == 4);
    CHECK(out[0].data["city"] == "Rome");
    outcome = "local";
  }
  SECTION("a pick per field") {
    res.fields = {{"name", Side::local}, {"city", Side::remote}};
    resolve_conflict(a.db, a.store, a.id, res);
    CHECK(a.row()["name"] == "Ada L");
    CHECK(a.row()["city"] == "Oslo");
    CHECK(a.store.sync_info(kCustomers, kAda)->state == "pending");
    auto out = a.store.outbox_for(kCustomers, kAda);
    REQUIRE(out.size() == 1);
    CHECK(out[0].data["city"] == "Oslo");
    outcome = R"(fields:{"city":"remote","name":"local"})";
  }
  ConflictRecord c = *find_conflict(a.db, a.id);
  CHECK(c.resolved);
  CHECK(c.resolution.text() == outcome);
  CHECK(c.local["name"] == "Ada L");  // history keeps what the person had
  CHECK(open_conflict_count(a.db) == 0);
}

TEST_CASE("conflicts: a decision that cannot apply is refused and changes nothing", "[conflict]") {
  OpenConflict a;
  json before = a.row();
  Resolution only_name, stray, keep;
  only_name.fields = {{"name", Side::local}};
  stray.fields = {{"name", Side::local}, {"city", Side::local}, {"phone", Side::remote}};
  keep.keep = Side::local;
  CHECK_THROWS_WITH(resolve_conflict(a.db, a.store, a.id, only_name),
                    Catch::Contains("choose local or remote for field 'city'"));
  CHECK_THROWS_WITH(resolve_conflict(a.db, a.store, a.id, stray),
                    Catch::Contains("'phone' is not in conflict here"));
  CHECK_THROWS_AS(resolve_conflict(a.db, a.store, a.id + 1, keep), UserError);
  CHECK_THROWS_WITH(resolve_conflict(a.db, a.store, a.id + 1, keep),
                    "no conflict with id " + std::to_string(a.id + 1));
  CHECK(open_conflict_count(a.db) == 1);
  CHECK(a.row() == before);
  CHECK(a.store.sync_info(kCustomers, kAda)->state == "conflict");

  resolve_conflict(a.db, a.store, a.id, keep);
  CHECK_THROWS_AS(resolve_conflict(a.db, a.store, a.id, keep), UserError);
  CHECK_THROWS_WITH(resolve_conflict(a.db, a.store, a.id, keep),
                    Catch::Contains("already resolved (local)"));
}

TEST_CASE("conflicts: a delete conflict keeps the record or lets the delete stand", "[conflict]") {
  LocalDb l;
  l.seed_synced(kCustomers, customer_row(kAda, "Ada", "Paris"), 3);
  l.store.update(kCustomers, kAda, {{"city", "Rome"}});
  {
    SqliteTxn txn(l.db);
    reconcile(l.db, l.store, kCustomers, kAda, std::nullopt, 4, ConflictPolicy::manual);
    txn.commit();
  }
  ConflictRecord c = list_conflicts(l.db, false).at(0);
  REQUIRE(c.is_delete());
  Resolution res;
  SECTION("keep ours, picked as the _deleted field: it is sent again") {
    res.fields[std::string(kDeletedField)] = Side::local;
    resolve_conflict(l.db, l.store, c.id, res);
    CHECK(l.store.read_row(kCustomers, kAda)->at("city") == "Rome");
    auto out = l.store.outbox_for(kCustomers, kAda);
    REQUIRE(out.size() == 1);
    CHECK(out[0].op == Op::upsert);
    CHECK(l.store.sync_info(kCustomers, kAda)->state == "pending");
    CHECK(find_conflict(l.db, c.id)->resolution.kind == Outcome::Kind::local);
  }
  SECTION("keep the server's delete: the record and its bookkeeping go") {
    res.keep = Side::remote;
    resolve_conflict(l.db, l.store, c.id, res);
    CHECK_FALSE(l.store.read_row(kCustomers, kAda));
    CHECK_FALSE(l.store.sync_info(kCustomers, kAda));
    CHECK(l.store.outbox_for(kCustomers, kAda).empty());
    CHECK(find_conflict(l.db, c.id)->resolution.kind == Outcome::Kind::remote);
  }
}
