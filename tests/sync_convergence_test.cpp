// Two real clients through the real server, in the cases where they used to end up different
// from the server without saying so: timestamps after a remote win, deletes the server refuses,
// children of records deleted elsewhere, and delete-versus-edit with local children.

#include <catch2/catch.hpp>

#include "tests/support/convergence.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_checks.hpp"
#include "tests/support/sync_client.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

std::string synced_customer(TestClient& a, TestClient& b, const std::string& name) {
  std::string id = a.records().create(Entity::customers, {{"name", name}, {"phone", "0"}})["id"];
  require_ok(a.sync());
  require_ok(b.sync());
  return id;
}

std::string quote_for(TestClient& c, const std::string& customer_id) {
  return c.records().create(
      Entity::quotes,
      {{"customer_id", customer_id}, {"total_amount", "99.00"}, {"status", "draft"}})["id"];
}

ConflictPolicy policy_from(const std::string& name) {
  return *parse_policy(name);
}

}  // namespace

TEST_CASE("after a remote win or a same-value edit, the row is the server's, timestamps too",
          "[sync][conflict][convergence]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string id = synced_customer(a, b, "Tess Time");
  a.records().update(Entity::customers, id, {{"phone", "from-A"}});
  require_ok(a.sync());

  SECTION("remote policy: B's own value loses") {
    b.records().update(Entity::customers, id, {{"phone", "from-B"}});
    require_ok(b.sync_with(ConflictPolicy::remote));
  }
  SECTION("the same value as the server's, under every policy") {
    auto policy = GENERATE(as<std::string>{}, "remote", "local", "manual");
    b.records().update(Entity::customers, id, {{"phone", "from-A"}});
    require_ok(b.sync_with(policy_from(policy)));
  }
  CHECK(b.state(Entity::customers, id) == "synced");
  CHECK(b.row(Entity::customers, id) == server_row(server, "customers", id));
  require_converged(server, b);
  require_ok(a.sync());
  require_converged(server, a);
}

TEST_CASE("a delete the server refuses comes back, visible as rejected with its reason",
          "[sync][convergence]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string id = synced_customer(a, b, "Kept Customer");
  b.records().remove(Entity::customers, id);
  std::string q = quote_for(a, id);
  require_ok(a.sync());

  SyncReport r = b.sync();
  require_ok(r);
  CHECK(r.rejected == 1);
  REQUIRE(b.row(Entity::customers, id) == server_row(server, "customers", id));
  CHECK(b.row(Entity::quotes, q)["customer_id"] == id);
  CHECK(foreign_key_problems(b.engine()).empty());
  auto info = b.records().sync_info(Entity::customers, id);
  REQUIRE(info);
  CHECK(info->state == "rejected");
  REQUIRE(info->errors.size() == 1);
  CHECK(info->errors[0]["code"] == "has_children");
  ListQuery rejected;
  rejected.state = "rejected";
  auto listed = b.records().list(Entity::customers, rejected);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == id);
  StatusReport status = b.engine().status();
  CHECK(status.rejected == 1);
  REQUIRE(status.rejected_records.size() == 1);
  CHECK(status.rejected_records[0].id == id);
  CHECK(status.to_json()["rejected_records"][0]["errors"][0]["code"] == "has_children");
  require_converged(server, b);

  SECTION("a later change on the server clears the notice and comes through") {
    a.records().update(Entity::customers, id, {{"city", "Riga"}});
    require_ok(a.sync());
    require_ok(b.sync());
    CHECK(b.row(Entity::customers, id)["city"] == "Riga");
    CHECK(b.state(Entity::customers, id) == "synced");
  }
  SECTION("deleting it again after its quote is gone works") {
    a.records().remove(Entity::quotes, q);
    require_ok(a.sync());
    require_ok(b.sync());
    b.records().remove(Entity::customers, id);
    require_ok(b.sync());
    CHECK(server_row(server, "customers", id).is_null());
  }
  require_converged(server, b);
}

TEST_CASE("a quote made offline for a customer someone else deleted is settled, never stranded",
          "[sync][conflict][convergence]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string c = synced_customer(a, b, "Doomed Customer");
  std::string q = quote_for(a, c);
  std::string o = a.records().create(Entity::orders, {{"quote_id", q}, {"customer_id", c}})["id"];
  b.records().remove(Entity::customers, c);
  require_ok(b.sync());
  REQUIRE(server_row(server, "customers", c).is_null());

  // The quote either reached the server first (push only) and was refused for want of its
  // customer, or met the customer's tombstone in the pull: both end the same way.
  auto push_first = GENERATE(false, true);
  if (push_first) {
    SyncOptions push_only;
    push_only.direction = Direction::push;
    SyncReport refused = a.sync(push_only);
    require_ok(refused);
    CHECK(refused.rejected == 1);
    CHECK(a.state(Entity::quotes, q) == "rejected");
  }

  SECTION("remote policy: the quote and its order are discarded, kept in history") {
    SyncReport r = a.sync_with(ConflictPolicy::remote);
    require_ok(r);
    CHECK(r.conflicts >= 1);
    CHECK(a.row(Entity::customers, c).is_null());
    CHECK(a.row(Entity::quotes, q).is_null());
    CHECK(a.row(Entity::orders, o).is_null());
    auto history = a.engine().conflicts(true);
    int discarded = 0;
    for (const auto& h : history)
      if (h.fields == std::vector<std::string>{std::string(kDiscardedField)}) {
        ++discarded;
        CHECK(h.resolved);
        CHECK(h.resolution.kind == Outcome::Kind::discarded);
        CHECK(h.resolution.why.find("deleted on the server") != std::string::npos);
        CHECK(h.local.is_object());
      }
    CHECK(discarded == 2);
  }
  SECTION("local policy: the customer is restored and the quote and order reach the server") {
    SyncReport r = a.sync_with(ConflictPolicy::local);
    require_ok(r);
    CHECK(server_row(server, "customers", c)["name"] == "Doomed Customer");
    CHECK(server_row(server, "quotes", q)["customer_id"] == c);
    CHECK(server_row(server, "orders", o)["quote_id"] == q);
  }
  SECTION("manual: one conflict on the customer, naming what depends on it") {
    SyncReport r = a.sync_with(ConflictPolicy::manual);
    require_ok(r);
    auto open = a.engine().conflicts(false);
    REQUIRE(open.size() == 1);
    CHECK(open[0].entity == Entity::customers);
    CHECK(open[0].entity_id == c);
    CHECK(open[0].is_delete());
    CHECK(open[0].remote.is_null());
    CHECK(open[0].dependents.size() == 2);
    CHECK(foreign_key_problems(a.engine()).empty());
    auto keep = GENERATE(Side::local, Side::remote);
    auto by_field = GENERATE(false, true);
    a.engine().resolve(open[0].id, delete_resolution(keep, by_field));
    CHECK(foreign_key_problems(a.engine()).empty());
    require_ok(a.sync_with(ConflictPolicy::manual));
    bool kept = keep == Side::local;
    CHECK(server_row(server, "customers", c).is_null() != kept);
    CHECK(server_row(server, "quotes", q).is_null() != kept);
    CHECK(a.row(Entity::orders, o).is_null() != kept);
  }
  require_converged(server, a);
  require_ok(b.sync());
  require_converged(server, b);
}

TEST_CASE("delete versus edit with local children resolves every way",
          "[sync][conflict][convergence]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string c = synced_customer(a, b, "Edited And Deleted");
  b.records().update(Entity::customers, c, {{"phone", "555-0142"}});
  std::string q = quote_for(b, c);
  a.records().remove(Entity::customers, c);
  require_ok(a.sync());

  require_ok(b.sync_with(ConflictPolicy::manual));
  auto open = b.engine().conflicts(false);
  REQUIRE(open.size() == 1);
  CHECK(open[0].is_delete());
  CHECK(open[0].dependents.size() == 1);

  auto keep = GENERATE(Side::local, Side::remote);
  auto by_field = GENERATE(false, true);
  REQUIRE_NOTHROW(b.engine().resolve(open[0].id, delete_resolution(keep, by_field)));
  CHECK(b.engine().conflicts(false).empty());
  CHECK(foreign_key_problems(b.engine()).empty());
  require_ok(b.sync_with(ConflictPolicy::manual));
  if (keep == Side::local) {
    CHECK(server_row(server, "customers", c)["phone"] == "555-0142");
    CHECK(server_row(server, "quotes", q)["customer_id"] == c);
  } else {
    CHECK(b.row(Entity::customers, c).is_null());
    CHECK(b.row(Entity::quotes, q).is_null());
    bool quote_in_history = false;
    for (const auto& h : b.engine().conflicts(true))
      if (h.entity_id == q && h.local.is_object()) quote_in_history = true;
    CHECK(quote_in_history);
  }
  require_converged(server, b);
  require_ok(a.sync());
  require_converged(server, a);
}
