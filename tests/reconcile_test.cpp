// reconcile(): a record with local changes meets a newer remote state, on a real local database.

#include <catch2/catch.hpp>

#include "core/conflicts.hpp"
#include "core/reconcile.hpp"
#include "tests/support/local_db.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

/// Ada is on the server at rev 3 (Paris); this client then moved her to Rome, unsent.
struct EditedAda : LocalDb {
  json agreed = seed_synced(kCustomers, customer_row(kAda, "Ada", "Paris"), 3);
  EditedAda() { store.update(kCustomers, kAda, {{"city", "Rome"}}); }

  ReconcileOutcome meet(const RecordState& remote, ConflictPolicy policy, std::int64_t rev = 4) {
    SqliteTxn txn(db);
    ReconcileOutcome o = reconcile(db, store, kCustomers, kAda, remote, rev, policy);
    txn.commit();
    return o;
  }
  json row() { return store.read_row(kCustomers, kAda).value_or(json(nullptr)); }
  std::string state() {
    auto info = store.sync_info(kCustomers, kAda);
    return info ? info->state : "";
  }
};
}  // namespace

TEST_CASE("reconcile: a disjoint remote edit merges, and ours is queued on the new rev",
          "[reconcile]") {
  EditedAda a;
  ReconcileOutcome o = a.meet(customer_row(kAda, "Ada K", "Paris"), ConflictPolicy::manual);
  CHECK(o.merged);
  CHECK_FALSE(o.conflict);
  CHECK(a.row()["name"] == "Ada K");
  CHECK(a.row()["city"] == "Rome");
  auto info = a.store.sync_info(kCustomers, kAda);
  CHECK(info->state == "pending");
  CHECK(info->remote_version == 4);
  CHECK(info->base == customer_row(kAda, "Ada K", "Paris"));  // the new agreed state
  auto out = a.store.outbox_for(kCustomers, kAda);
  REQUIRE(out.size() == 1);
  CHECK(out[0].base_rev == 4);
  CHECK(out[0].data["name"] == "Ada K");
  CHECK(out[0].data["city"] == "Rome");
  CHECK(list_conflicts(a.db, true).empty());
}

TEST_CASE("reconcile: the same change on both sides leaves nothing to push", "[reconcile]") {
  EditedAda a;
  json remote = customer_row(kAda, "Ada", "Rome");
  ReconcileOutcome o = a.meet(remote, ConflictPolicy::manual);
  CHECK_FALSE(o.merged);
  CHECK_FALSE(o.conflict);
  CHECK(a.row() == remote);
  CHECK(a.state() == "synced");
  CHECK(a.store.sync_info(kCustomers, kAda)->base.is_null());
  CHECK(a.store.outbox_for(kCustomers, kAda).empty());
}

TEST_CASE("reconcile: a true conflict follows the policy and keeps the losing value",
          "[reconcile][conflict]") {
  EditedAda a;
  json remote = customer_row(kAda, "Ada", "Oslo");

  SECTION("remote wins: the record becomes the server's row") {
    ReconcileOutcome o = a.meet(remote, ConflictPolicy::remote);
    CHECK(o.conflict);
    CHECK_FALSE(o.merged);
    CHECK(a.row() == remote);
    CHECK(a.state() == "synced");
    CHECK(a.store.outbox_for(kCustomers, kAda).empty());
    auto all = list_conflicts(a.db, true);
    REQUIRE(all.size() == 1);
    CHECK(all[0].resolution.text() == "auto_remote");
    CHECK(all[0].fields == std::vector<std::string>{"city"});
    CHECK(all[0].local["city"] == "Rome");
    CHECK(all[0].remote["city"] == "Oslo");
    CHECK(all[0].base["city"] == "Paris");
    CHECK(open_conflict_count(a.db) == 0);
  }
  SECTION("local wins: ours goes out again on the new rev") {
    ReconcileOutcome o = a.meet(remote, ConflictPolicy::local);
    CHECK(o.conflict);
    CHECK(a.row()["city"] == "Rome");
    CHECK(a.state() == "pending");
    auto out = a.store.outbox_for(kCustomers, kAda);
    REQUIRE(out.size() == 1);
    CHECK(out[0].base_rev == 4);
    CHECK(out[0].data["city"] == "Rome");
    auto all = list_conflicts(a.db, true);
    REQUIRE(all.size() == 1);
    CHECK(all[0].resolution.text() == "auto_local");
  }
  SECTION("manual: it waits for a person, and a newer remote updates what they see") {
    ReconcileOutcome o = a.meet(remote, ConflictPolicy::manual);
    CHECK(o.conflict);
    CHECK(a.row()["city"] == "Rome");  // the local value stands meanwhile
    CHECK(a.state() == "conflict");
    CHECK(a.store.outbox_for(kCustomers, kAda).empty());  // nothing goes out undecided
    REQUIRE(open_conflict_count(a.db) == 1);
    ConflictRecord c = list_conflicts(a.db, false).at(0);
    CHECK_FALSE(c.resolved);
    CHECK(c.remote_rev == 4);

    o = a.meet(customer_row(kAda, "Ada", "Bergen"), ConflictPolicy::manual, 5);
    CHECK(o.conflict);
    CHECK(open_conflict_count(a.db) == 1);  // the same conflict, not a second one
    ConflictRecord again = *find_conflict(a.db, c.id);
    CHECK(again.remote["city"] == "Bergen");
    CHECK(again.remote_rev == 5);
    CHECK(a.store.sync_info(kCustomers, kAda)->remote_version == 5);
    CHECK(a.row()["city"] == "Rome");
  }
}

TEST_CASE("reconcile: a remote delete of a record edited here", "[reconcile][conflict]") {
  EditedAda a;
  SECTION("remote policy: the delete stands, the edit is kept in history") {
    ReconcileOutcome o = a.meet(std::nullopt, ConflictPolicy::remote);
    CHECK(o.conflict);
    CHECK(a.row().is_null());
    CHECK_FALSE(a.store.sync_info(kCustomers, kAda));
    CHECK(a.store.outbox_for(kCustomers, kAda).empty());
    auto all = list_conflicts(a.db, true);
    REQUIRE(all.size() == 1);
    CHECK(all[0].is_delete());
    CHECK(all[0].remote.is_null());
    CHECK(all[0].local["city"] == "Rome");
  }
  SECTION("manual: the record stays until a person decides") {
    ReconcileOutcome o = a.meet(std::nullopt, ConflictPolicy::manual);
    CHECK(o.conflict);
    CHECK(a.row()["city"] == "Rome");
    CHECK(a.state() == "conflict");
    REQUIRE(open_conflict_count(a.db) == 1);
    CHECK(list_conflicts(a.db, false)[0].is_delete());
  }
}

TEST_CASE("reconcile: a remote delete of a record that unsent local records refer to",
          "[reconcile][conflict]") {
  LocalDb l;
  l.seed_synced(kCustomers, customer_row(kAda, "Ada", "Paris"), 3);
  json q = l.store.create(Entity::quotes,
                          {{"customer_id", kAda}, {"total_amount", "5.00"}, {"status", "draft"}});
  std::string qid = q["id"];
  auto meet = [&](ConflictPolicy p) {
    SqliteTxn txn(l.db);
    ReconcileOutcome o = reconcile(l.db, l.store, kCustomers, kAda, std::nullopt, 4, p);
    txn.commit();
    return o;
  };
  SECTION("manual: a delete conflict naming the quote") {
    CHECK(meet(ConflictPolicy::manual).conflict);
    REQUIRE(open_conflict_count(l.db) == 1);
    ConflictRecord c = list_conflicts(l.db, false)[0];
    CHECK(c.is_delete());
    CHECK(c.dependents == std::vector<RecordRef>{{Entity::quotes, qid}});
    CHECK(l.store.read_row(kCustomers, kAda));
    CHECK(l.store.read_row(Entity::quotes, qid));
  }
  SECTION("remote: the customer goes, and the quote with it, kept in history") {
    CHECK(meet(ConflictPolicy::remote).conflict);
    CHECK_FALSE(l.store.read_row(kCustomers, kAda));
    CHECK_FALSE(l.store.read_row(Entity::quotes, qid));
    CHECK(l.store.outbox_for(Entity::quotes, qid).empty());
    bool discarded_quote = false;
    for (const ConflictRecord& c : list_conflicts(l.db, true))
      if (c.entity == Entity::quotes && c.entity_id == qid)
        discarded_quote = c.resolution.kind == Outcome::Kind::discarded;
    CHECK(discarded_quote);
  }
}

TEST_CASE("reconcile: our create comes back numbered, and stops being provisional", "[reconcile]") {
  LocalDb l;
  l.store.create(kCustomers, {{"id", kAda}, {"name", "Ada"}});
  json q = l.store.create(Entity::quotes,
                          {{"customer_id", kAda}, {"total_amount", "5.00"}, {"status", "draft"}});
  std::string qid = q["id"];
  REQUIRE(l.store.sync_info(Entity::quotes, qid)->provisional_number);
  json remote = q;
  remote["quote_number"] = "Q-1001";
  {
    SqliteTxn txn(l.db);
    ReconcileOutcome o =
        reconcile(l.db, l.store, Entity::quotes, qid, remote, 9, ConflictPolicy::manual);
    txn.commit();
    CHECK_FALSE(o.conflict);
  }
  auto info = l.store.sync_info(Entity::quotes, qid);
  CHECK(info->state == "synced");
  CHECK(info->remote_version == 9);
  CHECK_FALSE(info->provisional_number);
  CHECK(l.store.read_row(Entity::quotes, qid)->at("quote_number") == "Q-1001");
  CHECK(l.store.outbox_for(Entity::quotes, qid).empty());
}
