// `verify`: a client proves with checksums that it holds what the server holds, finds the rows
// that were deleted, damaged or added behind the engine's back, and repairs them. The real
// server on loopback (SQLite, and PostgreSQL as "pg:"), the engine in-process and the CLI.

#include <catch2/catch.hpp>

#include "tests/support/cli_process.hpp"
#include "tests/support/http.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_checks.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

/// `n` customers made on the client and synced; their ids.
std::vector<std::string> seed(TestClient& c, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(c.records().create(
        Entity::customers, {{"name", "Customer " + std::to_string(i)}, {"city", "Oslo"}})["id"]);
  require_ok(c.sync());
  return ids;
}

VerifyReport verify(TestClient& c, bool repair = false) {
  CancelToken cancel;
  VerifyOptions o;
  o.repair = repair;
  return c.engine().verify(o, cancel);
}

const EntityCheck& customers_of(const VerifyReport& r) {
  for (const auto& c : r.entities)
    if (c.entity == Entity::customers) return c;
  throw std::runtime_error("no customers check");
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("verify: a database in sync verifies, with a small fraction of a pull's bytes",
          "[sync][verify]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server);
  seed(laptop, 400);
  VerifyReport r = verify(laptop);
  CHECK(r.ok);
  const EntityCheck& c = customers_of(r);
  CHECK(c.local == 400);
  CHECK(c.server == 400);
  CHECK(c.pending == 0);
  CHECK(r.entities.size() == 3);
  CHECK(r.cost.expanded == 0);  // nothing differs, so no bucket is expanded
  CHECK(r.cost.requests == 3);  // one bucket list per entity

  // A second laptop that pulled everything verifies too, and downloads far less to verify than
  // it did to pull.
  TestClient other(server);
  SyncReport pulled = other.sync();
  require_ok(pulled);
  VerifyReport r2 = verify(other);
  CHECK(r2.ok);
  CHECK(r2.cost.bytes * 10 < pulled.bytes);
}

TEST_CASE("verify: rows deleted, damaged or added behind the engine are found and repaired",
          "[sync][verify]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server);
  Ids ids = seed(laptop, 300);
  const std::string deleted = ids[10], damaged = ids[20], edited = ids[30];
  const std::string ghost = "01900000-0000-7000-8000-0000000000aa";
  // What a user with the sqlite3 shell, a bad disk or a restore of half a file can do.
  sqlite3_cli(laptop.db_path(), "DELETE FROM customers WHERE id = '" + deleted + "'");
  sqlite3_cli(laptop.db_path(),
              "UPDATE customers SET city = 'Damaged' WHERE id = '" + damaged + "'");
  sqlite3_cli(laptop.db_path(),
              "INSERT INTO customers (id, name) VALUES ('" + ghost + "', 'Nobody')");
  // An ordinary local edit, not yet pushed: pending, not a difference.
  laptop.records().update(Entity::customers, edited, {{"phone", "555-0100"}});

  VerifyReport r = verify(laptop);
  CHECK_FALSE(r.ok);
  const EntityCheck& c = customers_of(r);
  CHECK(c.missing_locally == Ids{deleted});
  CHECK(c.differ == Ids{damaged});
  CHECK(c.missing_on_server == Ids{ghost});
  CHECK(c.pending == 1);
  CHECK(c.local == 300);  // 300 - 1 deleted + 1 ghost
  CHECK(c.server == 300);
  CHECK_FALSE(r.repair_ran);
  CHECK(laptop.row(Entity::customers, deleted).is_null());  // a plain verify changes nothing

  VerifyReport fixed = verify(laptop, true);
  CHECK(fixed.repair_ran);
  CHECK(fixed.repaired == 3);
  CHECK(fixed.ok);
  CHECK(laptop.row(Entity::customers, deleted)["name"] == "Customer 10");
  CHECK(laptop.row(Entity::customers, damaged)["city"] == "Oslo");
  CHECK(laptop.row(Entity::customers, ghost).is_null());
  CHECK(laptop.row(Entity::customers, edited)["phone"] == "555-0100");  // pending edit kept
  CHECK(laptop.state(Entity::customers, edited) == "pending");
  CHECK(laptop.state(Entity::customers, deleted) == "synced");

  require_ok(laptop.sync());
  CHECK(verify(laptop).ok);
  require_converged(server, laptop);
}

TEST_CASE("verify: what the server changed by SQL is pulled first, not reported",
          "[sync][verify]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server);
  Ids ids = seed(laptop, 20);
  direct_sql(server.db_path(), "UPDATE customers SET city = 'Bergen' WHERE id = '" + ids[3] + "'");
  direct_sql(server.db_path(), "DELETE FROM customers WHERE id = '" + ids[4] + "'");
  VerifyReport r = verify(laptop);
  CHECK(r.ok);
  CHECK(r.pulled == 2);
  CHECK(laptop.row(Entity::customers, ids[3])["city"] == "Bergen");
  CHECK(laptop.row(Entity::customers, ids[4]).is_null());
  CHECK(customers_of(r).server == 19);
}

TEST_CASE("verify: the CLI exits 0, 3 or 2 and prints the documented JSON", "[sync][verify][cli]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  auto cli = [&](std::vector<std::string> rest) {
    return run_cli(cli_args(dir.file("cli.db"), server.url(), server.admin_key(), rest));
  };
  std::string id = json::parse(cli({"--json", "create", "customers", "name=Verified"}).out)["id"];
  REQUIRE(cli({"sync"}).exit_code == 0);

  auto ok = cli({"--json", "verify"});
  REQUIRE(ok.exit_code == 0);
  json j = json::parse(ok.out);
  CHECK(j["ok"] == true);
  for (const char* e : {"customers", "quotes", "orders"}) {
    const json& c = j["entities"][e];
    for (const char* key : {"local", "server", "pending"}) CHECK(c[key].is_number_integer());
    for (const char* key : {"missing_locally", "missing_on_server", "differ"})
      CHECK(c[key] == json::array());
  }
  CHECK(j["entities"]["customers"]["local"] == 1);

  sqlite3_cli(dir.file("cli.db"), "UPDATE customers SET name = 'Tampered' WHERE id = '" + id + "'");
  auto human = cli({"verify", "--entity", "customers"});
  CHECK(human.exit_code == 3);
  CHECK(human.out.find("differ") != std::string::npos);
  CHECK(human.out.find(id) != std::string::npos);
  auto found = cli({"--json", "verify", "--entity", "customers"});
  CHECK(found.exit_code == 3);
  json f = json::parse(found.out);
  CHECK(f["ok"] == false);
  CHECK(f["entities"]["customers"]["differ"] == json::array({id}));
  CHECK_FALSE(f["entities"].contains("quotes"));

  auto repaired = cli({"--json", "verify", "--repair"});
  CHECK(repaired.exit_code == 0);
  json rj = json::parse(repaired.out);
  CHECK(rj["repaired"] == 1);
  CHECK(json::parse(cli({"--json", "get", "customers", id}).out)["name"] == "Verified");

  server.stop();
  auto offline = cli({"--json", "verify"});
  CHECK(offline.exit_code == 2);
  CHECK(json::parse(offline.out)["ok"] == false);
  CHECK(offline.err.find("craftsync: ") == 0);
  CHECK(offline.err.find('\n') == offline.err.size() - 1);
}

TEST_CASE(
    "checksums: bad parameters get 400 with a code, and digests do not depend on the "
    "bucket count",
    "[sync][verify]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server);
  seed(laptop, 50);
  craftsync::test::HttpClient http(server.url(), server.admin_key());
  auto code = [&](const std::string& q) {
    auto a = http.get("/api/v1/checksums" + q);
    return std::to_string(a.status) + " " + a.error_code();
  };
  CHECK(code("") == "400 invalid_request");
  CHECK(code("?entity=invoices") == "400 unknown_entity");
  CHECK(code("?entity=customers&buckets=3") == "400 invalid_buckets");
  CHECK(code("?entity=customers&buckets=131072") == "400 invalid_buckets");
  CHECK(code("?entity=customers&buckets=x") == "400 invalid_buckets");
  CHECK(code("?entity=customers&buckets=16&expand=16") == "400 invalid_buckets");
  CHECK(code("?entity=customers&buckets=16&expand=1,,2") == "400 invalid_buckets");

  json one = http.get("/api/v1/checksums?entity=customers&buckets=1").json();
  REQUIRE(one["checksums"].size() == 1);
  CHECK(one["count"] == 50);
  // The XOR of every record digest is the one bucket's digest, at any bucket count.
  json all = http.get("/api/v1/checksums?entity=customers&buckets=4&expand=0,1,2,3").json();
  REQUIRE(all["records"].size() == 50);
  std::uint64_t x = 0;
  for (const json& rec : all["records"])
    x ^= std::stoull(rec["digest"].get<std::string>(), nullptr, 16);
  CHECK(std::stoull(one["checksums"][0]["digest"].get<std::string>(), nullptr, 16) == x);
  CHECK(http.get("/api/v1/checksums?entity=orders").json()["checksums"] == json::array());
}

TEST_CASE("verify and history: a server's bad answers are one clear line, and nothing changes",
          "[sync][verify][history][cli]") {
  // A server that pulls fine but answers checksums and history with the wrong shapes.
  std::string checksums = R"({"entity":"customers","buckets":16,"head":0,"count":0})";
  ScriptedServer bad([&](const std::string& line) {
    if (line.find("/api/v1/changes") != std::string::npos)
      return ScriptedServer::http(
          200, R"({"changes":[],"next":"0","has_more":false,"head":0,"epoch":0})");
    if (line.find("/api/v1/checksums") != std::string::npos)
      return ScriptedServer::http(200, checksums);
    if (line.find("/history") != std::string::npos)
      return ScriptedServer::http(200, R"({"revisions":[{"rev":"7"}],"next_before":null})");
    return ScriptedServer::http(404, R"({"error":{"code":"not_found","message":"no"}})");
  });
  TempDir dir;
  auto cli = [&](std::vector<std::string> rest) {
    return run_cli(cli_args(dir.file("cli.db"), bad.url(), "k", rest));
  };
  auto no_list = cli({"verify"});
  CHECK(no_list.exit_code == 2);
  CHECK(no_list.err.find("lack a \"checksums\" list") != std::string::npos);
  checksums = "not json";
  auto garbage = cli({"--json", "verify"});
  CHECK(garbage.exit_code == 2);
  CHECK(garbage.err.find("is not JSON") != std::string::npos);
  CHECK(json::parse(garbage.out)["ok"] == false);
  auto history = cli({"history", "customers", "0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b"});
  CHECK(history.exit_code == 2);
  CHECK(history.err.find("without an integer rev") != std::string::npos);
  CHECK(history.err.find('\n') == history.err.size() - 1);
}
