// Held pulls (GET /api/v1/changes?wait=S) against the real server: a change from any source
// wakes them (an admin write, a push, SQL typed by hand, another instance), they answer an
// empty page at their deadline or when the server stops, and they hold no thread.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/held_pull.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;
using namespace std::chrono_literals;

TEST_CASE("live: a pull with wait answers at once when the log has changes after the cursor",
          "[live]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  json ada = created(admin, "Ada");
  auto page = admin.get("/api/v1/changes?after=0&wait=60");
  REQUIRE(page.status == 200);
  REQUIRE(page.json()["changes"].size() == 1);
  CHECK(page.json()["changes"][0]["id"] == ada["id"]);
  CHECK(metric(admin, R"(craftsync_held_pulls_total{outcome="woken"})") == 0);
  CHECK(metric(admin, R"(craftsync_held_pulls_total{outcome="deadline"})") == 0);
}

TEST_CASE("live: a held pull wakes with the change, whatever made it", "[live]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  json ada = created(admin, "Ada");
  std::string id = ada["id"];
  std::int64_t head = head_rev(admin);

  HeldPull pull(server, head, 60);
  wait_until_held(admin, 1);
  std::string source;
  SECTION("an admin REST write") {
    source = "admin";
    REQUIRE(admin.request("PUT", "/api/v1/customers/" + id, R"({"city":"Denver"})").status == 200);
  }
  SECTION("a push") {
    source = "push";
    json m = upsert(1, "customers", id, ada["rev"].get<std::int64_t>(), {{"city", "Denver"}});
    REQUIRE(push(admin, "dev-live", json::array({m})).status == 200);
  }
  SECTION("SQL typed by hand (sqlite3 or psql), caught by the change-log trigger") {
    source = "sql";
    direct_sql(server.db_path(), "UPDATE customers SET city = 'Denver' WHERE id = '" + id + "'");
  }
  CAPTURE(source);
  HttpAnswer& a = pull.answer();
  REQUIRE(a.status == 200);
  json page = a.json();
  REQUIRE(page["changes"].size() == 1);
  CHECK(page["changes"][0]["id"] == id);
  CHECK(page["changes"][0]["rev"] == head + 1);
  CHECK(page["changes"][0]["data"]["city"] == "Denver");
  CHECK(metric(admin, R"(craftsync_held_pulls_total{outcome="woken"})") == 1);
  CHECK(metric(admin, R"(craftsync_held_pulls_total{outcome="deadline"})") == 0);
}

TEST_CASE("live: with nothing new, a held pull answers an empty page at its deadline", "[live]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  created(admin, "Ada");
  std::int64_t head = head_rev(admin);

  SECTION("nothing is written") {
    auto a = admin.get("/api/v1/changes?after=" + std::to_string(head) + "&wait=1");
    REQUIRE(a.status == 200);
    CHECK(a.json()["changes"].empty());
    CHECK(a.json()["next"] == std::to_string(head));
    CHECK(a.json()["has_more"] == false);
  }
  SECTION("only an entity it did not ask for changes: it holds on to its deadline") {
    HeldPull pull(server, head, 2, "&entities=quotes");
    wait_until_held(admin, 1);
    created(admin, "Bob");
    HttpAnswer& a = pull.answer();
    REQUIRE(a.status == 200);
    CHECK(a.json()["changes"].empty());
    CHECK(a.json()["next"] == std::to_string(head));
  }
  CHECK(metric(admin, R"(craftsync_held_pulls_total{outcome="deadline"})") >= 1);
  CHECK(metric(admin, "craftsync_held_pulls") == 0);
}

TEST_CASE("live: wait must be a whole number of seconds", "[live]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  for (std::string bad : {"x", "-1", "1.5", ""}) {
    CAPTURE(bad);
    auto a = admin.get("/api/v1/changes?after=0&wait=" + bad);
    CHECK(a.status == 400);
    CHECK(a.error_code() == "invalid_wait");
  }
  created(admin, "Ada");  // so that a huge wait, capped at 60 s, answers at once
  auto a = admin.get("/api/v1/changes?after=0&wait=99999999999999999999");
  CHECK(a.status == 200);
}

TEST_CASE("live: hundreds of held pulls hold no thread; the rest of the API goes on", "[live]") {
  // Two worker threads: if a held pull kept one, the write below could not run.
  ServerProcess server(server_args({"--quiet", "--threads", "2"}));
  HttpClient admin(server.url(), server.admin_key());
  std::int64_t head = head_rev(admin);
  constexpr int kHeld = 300;
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kHeld; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    REQUIRE(held.back()->send("GET /api/v1/changes?after=" + std::to_string(head) +
                              "&wait=60 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                              server.admin_key() + "\r\n\r\n"));
  }
  wait_until_held(admin, kHeld);
  CHECK(admin.get("/api/v1/health").status == 200);
  json ada = created(admin, "Ada");  // runs on a worker while all 300 are held
  for (auto& c : held) {
    auto a = c->read_answer(60s);
    REQUIRE(a);
    REQUIRE(a->status == 200);
    json page = json::parse(a->body);
    REQUIRE(page["changes"].size() == 1);
    CHECK(page["changes"][0]["id"] == ada["id"]);
  }
  CHECK(metric(admin, R"(craftsync_held_pulls_total{outcome="woken"})") == kHeld);
}

TEST_CASE("live: stopping the server answers held pulls at once", "[live]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  std::int64_t head = head_rev(admin);
  HeldPull pull(server, head, 60);
  wait_until_held(admin, 1);
  CHECK(server.stop() == 0);
  HttpAnswer& a = pull.answer();
  REQUIRE(a.status == 200);
  CHECK(a.json()["changes"].empty());
}
