// Two real clients on separate databases syncing through the real server on loopback.

#include <regex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_checks.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

std::string create_synced_customer(TestClient& a, TestClient& b, const std::string& name) {
  std::string id = a.records().create(
      Entity::customers, {{"name", name}, {"city", "Paris"}, {"phone", "555-0100"}})["id"];
  require_ok(a.sync());
  require_ok(b.sync());
  REQUIRE(b.row(Entity::customers, id)["name"] == name);
  return id;
}

}  // namespace

TEST_CASE(
    "scenario 1: an offline customer and quote get the server's number and reach the other client",
    "[sync][push][pull]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient rep(server), office(server);
  std::string c = rep.records().create(Entity::customers,
                                       {{"name", "Rita Rep"}, {"email", "rita@example.com"}})["id"];
  json q = rep.records().create(
      Entity::quotes, {{"customer_id", c}, {"total_amount", "980.50"}, {"status", "draft"}});
  std::string qid = q["id"];
  CHECK(q["quote_number"].get<std::string>().find("PENDING") != std::string::npos);
  CHECK(rep.records().sync_info(Entity::quotes, qid)->provisional_number);

  SyncReport r = rep.sync();
  require_ok(r);
  CHECK(r.pushed == 2);
  std::string number = rep.row(Entity::quotes, qid)["quote_number"];
  CHECK(std::regex_match(number, std::regex(R"(Q-\d{4}-\d{6})")));
  CHECK_FALSE(rep.records().sync_info(Entity::quotes, qid)->provisional_number);
  CHECK(rep.state(Entity::quotes, qid) == "synced");
  CHECK(server_row(server, "quotes", qid)["quote_number"] == number);

  require_ok(office.sync());
  CHECK(office.row(Entity::customers, c)["name"] == "Rita Rep");
  CHECK(office.row(Entity::quotes, qid)["quote_number"] == number);
  CHECK(office.row(Entity::quotes, qid)["total_amount"] == "980.50");

  SECTION("the echo of our own push is recognised and skipped") {
    SyncReport again = rep.sync();
    require_ok(again);
    CHECK(again.pulled == 0);
    CHECK(again.skipped == 2);
    CHECK(rep.records().sync_info(Entity::quotes, qid)->local_version == 1);
  }
}

TEST_CASE("scenario 2: a customer changed on the server with direct SQL reaches both clients",
          "[sync][pull]") {
  ServerProcess server(server_args({"--seed-demo", "25", "--quiet"}));
  TestClient a(server), b(server);
  require_ok(a.sync());
  require_ok(b.sync());
  auto first = a.records().list(Entity::customers, {});
  std::string id = first.front()["id"];
  direct_sql(
      server.db_path(),
      "UPDATE customers SET phone = '(555) 010-9999', city = 'Tacoma' WHERE id = '" + id + "'");
  SyncReport ra = a.sync(), rb = b.sync();
  require_ok(ra);
  require_ok(rb);
  CHECK(ra.pulled == 1);
  CHECK(rb.pulled == 1);
  for (TestClient* c : {&a, &b}) {
    CHECK(c->row(Entity::customers, id)["city"] == "Tacoma");
    CHECK(c->row(Entity::customers, id)["phone"] == "(555) 010-9999");
    CHECK(c->state(Entity::customers, id) == "synced");
  }
}

TEST_CASE("scenario 3: both clients edit one customer offline", "[sync][conflict]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string id = create_synced_customer(a, b, "Casey Jones");

  SECTION("disjoint fields merge automatically on both") {
    a.records().update(Entity::customers, id, {{"phone", "555-0111"}});
    b.records().update(Entity::customers, id, {{"city", "Lyon"}});
    require_ok(a.sync_with(ConflictPolicy::manual));
    SyncReport rb = b.sync_with(ConflictPolicy::manual);
    require_ok(rb);
    CHECK(rb.merged >= 1);
    CHECK(rb.conflicts == 0);
    require_ok(a.sync_with(ConflictPolicy::manual));
    for (TestClient* c : {&a, &b}) {
      CHECK(c->row(Entity::customers, id)["phone"] == "555-0111");
      CHECK(c->row(Entity::customers, id)["city"] == "Lyon");
      CHECK(c->state(Entity::customers, id) == "synced");
    }
    CHECK(server_row(server, "customers", id)["city"] == "Lyon");
    CHECK(server_row(server, "customers", id)["phone"] == "555-0111");
    CHECK(b.engine().conflicts(true).empty());
  }

  SECTION("the same field under manual becomes a stored conflict, resolved three ways") {
    auto clash = [&](const std::string& va, const std::string& vb, const std::string& phone_b) {
      a.records().update(Entity::customers, id, {{"city", va}});
      b.records().update(Entity::customers, id, {{"city", vb}, {"phone", phone_b}});
      require_ok(a.sync_with(ConflictPolicy::manual));
      SyncReport rb = b.sync_with(ConflictPolicy::manual);
      require_ok(rb);
      CHECK(rb.conflicts == 1);
      auto open = b.engine().conflicts(false);
      REQUIRE(open.size() == 1);
      CHECK(open[0].fields == std::vector<std::string>{"city"});
      CHECK(open[0].local["city"] == vb);
      CHECK(open[0].remote["city"] == va);
      CHECK(b.state(Entity::customers, id) == "conflict");
      return open[0].id;
    };
    auto converge = [&](const std::string& city, const std::string& phone) {
      require_ok(b.sync_with(ConflictPolicy::manual));
      require_ok(a.sync_with(ConflictPolicy::manual));
      CHECK(server_row(server, "customers", id)["city"] == city);
      CHECK(server_row(server, "customers", id)["phone"] == phone);
      for (TestClient* c : {&a, &b}) {
        CHECK(c->row(Entity::customers, id)["city"] == city);
        CHECK(c->row(Entity::customers, id)["phone"] == phone);
        CHECK(c->state(Entity::customers, id) == "synced");
      }
      CHECK(b.engine().conflicts(false).empty());
    };

    std::int64_t c1 = clash("Berlin", "Madrid", "555-0201");
    b.engine().resolve(c1, Resolution{Side::local, {}});
    converge("Madrid", "555-0201");

    std::int64_t c2 = clash("Vienna", "Prague", "555-0202");
    b.engine().resolve(c2, Resolution{Side::remote, {}});
    converge("Vienna", "555-0202");  // the disjoint phone edit survives keep-remote

    a.records().update(Entity::customers, id, {{"city", "Turin"}, {"name", "Casey A"}});
    b.records().update(Entity::customers, id, {{"city", "Milan"}, {"name", "Casey B"}});
    require_ok(a.sync_with(ConflictPolicy::manual));
    require_ok(b.sync_with(ConflictPolicy::manual));
    auto open = b.engine().conflicts(false);
    REQUIRE(open.size() == 1);
    CHECK(open[0].fields.size() == 2);
    CHECK_THROWS_AS(
        b.engine().resolve(open[0].id, Resolution{std::nullopt, {{"city", Side::local}}}),
        UserError);
    b.engine().resolve(open[0].id,
                       Resolution{std::nullopt, {{"city", Side::remote}, {"name", Side::local}}});
    require_ok(b.sync_with(ConflictPolicy::manual));
    require_ok(a.sync_with(ConflictPolicy::manual));
    for (TestClient* c : {&a, &b}) {
      CHECK(c->row(Entity::customers, id)["city"] == "Turin");
      CHECK(c->row(Entity::customers, id)["name"] == "Casey B");
    }
    CHECK(server_row(server, "customers", id)["name"] == "Casey B");
    auto history = b.engine().conflicts(true);
    CHECK(history.size() == 3);
    CHECK(history[2].resolution.kind == Outcome::Kind::fields);
    CHECK_THROWS_AS(b.engine().resolve(c1, Resolution{Side::local, {}}), UserError);
  }

  SECTION("under remote, the overwritten local value stays in history") {
    a.records().update(Entity::customers, id, {{"city", "Geneva"}});
    b.records().update(Entity::customers, id, {{"city", "Zurich"}});
    require_ok(a.sync());
    SyncReport rb = b.sync_with(ConflictPolicy::remote);
    require_ok(rb);
    CHECK(b.row(Entity::customers, id)["city"] == "Geneva");
    CHECK(b.state(Entity::customers, id) == "synced");
    auto history = b.engine().conflicts(true);
    REQUIRE(history.size() == 1);
    CHECK(history[0].resolved);
    CHECK(history[0].resolution.kind == Outcome::Kind::auto_remote);
    CHECK(history[0].local["city"] == "Zurich");
    restore_value(b.records(), history[0], Side::local, "city");
    require_ok(b.sync());
    CHECK(server_row(server, "customers", id)["city"] == "Zurich");
  }

  SECTION("under local, the local value is pushed on the new base") {
    a.records().update(Entity::customers, id, {{"city", "Ghent"}});
    b.records().update(Entity::customers, id, {{"city", "Bruges"}});
    require_ok(a.sync());
    require_ok(b.sync_with(ConflictPolicy::local));
    require_ok(a.sync());
    CHECK(server_row(server, "customers", id)["city"] == "Bruges");
    CHECK(a.row(Entity::customers, id)["city"] == "Bruges");
    CHECK(b.engine().conflicts(true).at(0).resolution.kind == Outcome::Kind::auto_local);
  }
}

TEST_CASE("delete versus edit is a conflict, not a silent win", "[sync][conflict]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string id = create_synced_customer(a, b, "Dee Leted");
  a.records().remove(Entity::customers, id);
  b.records().update(Entity::customers, id, {{"city", "Kept"}});
  require_ok(a.sync());
  CHECK(server_row(server, "customers", id).is_null());

  SECTION("manual: stored for a person, keep local restores it everywhere") {
    SyncReport rb = b.sync_with(ConflictPolicy::manual);
    require_ok(rb);
    auto open = b.engine().conflicts(false);
    REQUIRE(open.size() == 1);
    CHECK(open[0].fields == std::vector<std::string>{"_deleted"});
    CHECK(open[0].remote.is_null());
    b.engine().resolve(open[0].id, Resolution{Side::local, {}});
    require_ok(b.sync());
    require_ok(a.sync());
    CHECK(server_row(server, "customers", id)["city"] == "Kept");
    CHECK(a.row(Entity::customers, id)["city"] == "Kept");
  }
  SECTION("remote policy: the delete wins and the edit is kept in history") {
    require_ok(b.sync_with(ConflictPolicy::remote));
    CHECK(b.row(Entity::customers, id).is_null());
    auto history = b.engine().conflicts(true);
    REQUIRE(history.size() == 1);
    CHECK(history[0].local["city"] == "Kept");
  }
}

TEST_CASE("a customer, quote and order created offline go up in one run, in FK order",
          "[sync][push]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string c = a.records().create(Entity::customers, {{"name", "Fk Order"}})["id"];
  std::string q = a.records().create(
      Entity::quotes,
      {{"customer_id", c}, {"total_amount", "10.00"}, {"status", "accepted"}})["id"];
  std::string o = a.records().create(Entity::orders, {{"quote_id", q}, {"customer_id", c}})["id"];
  SyncReport r = a.sync();
  require_ok(r);
  CHECK(r.pushed == 3);
  CHECK(r.rejected == 0);
  CHECK(std::regex_match(a.row(Entity::orders, o)["order_number"].get<std::string>(),
                         std::regex(R"(O-\d{4}-\d{6})")));
  require_ok(b.sync());
  CHECK(b.row(Entity::orders, o)["quote_id"] == q);
}

TEST_CASE("concurrent offline quote creates on two clients all get unique numbers",
          "[sync][push]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string c = create_synced_customer(a, b, "Shared Customer");
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    ids.push_back(a.records().create(
        Entity::quotes, {{"customer_id", c}, {"total_amount", "1.00"}, {"status", "draft"}})["id"]);
    ids.push_back(b.records().create(
        Entity::quotes, {{"customer_id", c}, {"total_amount", "2.00"}, {"status", "draft"}})["id"]);
  }
  SyncReport ra, rb;
  std::thread ta([&] { ra = a.sync(); });
  std::thread tb([&] { rb = b.sync(); });
  ta.join();
  tb.join();
  require_ok(ra);
  require_ok(rb);
  require_ok(a.sync());
  require_ok(b.sync());
  std::set<std::string> numbers;
  for (const auto& id : ids) {
    std::string na = a.row(Entity::quotes, id)["quote_number"],
                nb = b.row(Entity::quotes, id)["quote_number"];
    CHECK(na == nb);
    CHECK(std::regex_match(na, std::regex(R"(Q-\d{4}-\d{6})")));
    numbers.insert(na);
  }
  CHECK(numbers.size() == ids.size());
}

TEST_CASE("a rejected record stays visible with its errors and holds back only its children",
          "[sync][push]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server), b(server);
  std::string ok_id = a.records().create(Entity::customers, {{"name", "Fine"}})["id"];
  std::string bad = a.records().create(Entity::customers, {{"name", "Doomed"}})["id"];
  std::string child = a.records().create(
      Entity::quotes, {{"customer_id", bad}, {"total_amount", "5.00"}, {"status", "draft"}})["id"];
  // The engine validates edits, so make the server refuse `bad` by changing its queued
  // mutation behind the engine's back.
  sqlite3_cli(
      a.db_path(),
      "UPDATE outbox SET data = json_set(data, '$.email', 'no-at-sign') WHERE entity_id = '" + bad +
          "'");
  SyncReport r = a.sync();
  require_ok(r);
  CHECK(r.rejected == 1);
  CHECK(r.held >= 1);
  CHECK(a.state(Entity::customers, ok_id) == "synced");
  CHECK(a.state(Entity::customers, bad) == "rejected");
  auto info = a.records().sync_info(Entity::customers, bad);
  REQUIRE(info->errors.size() == 1);
  CHECK(info->errors[0]["field"] == "email");
  CHECK(a.state(Entity::quotes, child) == "pending");
  CHECK(server_row(server, "quotes", child).is_null());

  // Fixing the record releases it and then its child.
  a.records().update(Entity::customers, bad, {{"email", "fixed@example.com"}});
  SyncReport fixed = a.sync();
  require_ok(fixed);
  CHECK(fixed.pushed == 2);
  CHECK(a.state(Entity::quotes, child) == "synced");
  CHECK_FALSE(server_row(server, "quotes", child).is_null());
}

TEST_CASE("resync_required re-snapshots and keeps the outbox", "[sync][pull]") {
  ServerProcess server(server_args({"--seed-demo", "10", "--quiet"}));
  TestClient a(server);
  require_ok(a.sync());
  craftsync::test::HttpClient http(server.url(), server.admin_key());
  auto victim = a.records().list(Entity::customers, {})[5];
  std::string vid = victim["id"];
  // Delete a childless record on the server, then drop the tombstone: our cursor is now stale.
  json fresh = http.post("/api/v1/customers", customer_data("Gone Soon")).json();
  require_ok(a.sync());
  REQUIRE(http.request("DELETE", "/api/v1/customers/" + fresh["id"].get<std::string>()).status ==
          200);
  http.post("/api/v1/customers", customer_data("New After"));
  int code = -1;
  run_server_command({"purge-tombstones", "--db", server.db_path(), "--older-than-days", "0"},
                     &code);
  REQUIRE(code == 0);
  std::string local_new = a.records().create(Entity::customers, {{"name", "Offline Work"}})["id"];

  SyncReport r = a.sync();
  require_ok(r);
  CHECK(r.resynced);
  CHECK(a.row(Entity::customers, fresh["id"]).is_null());  // deleted on the server, swept locally
  CHECK(a.row(Entity::customers, vid)["name"] == victim["name"]);
  CHECK(a.state(Entity::customers, local_new) == "synced");  // the outbox survived and was pushed
  CHECK_FALSE(server_row(server, "customers", local_new).is_null());
  std::int64_t server_customers = 0;
  for (const auto& c : pull_all(http))
    server_customers += c["entity"] == "customers" && !c["deleted"].get<bool>();
  CHECK(a.engine().status().records[0] == server_customers);
}
