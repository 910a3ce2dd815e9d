// Record history: every revision the server keeps of a record, whoever wrote it (two devices,
// an admin key, SQL by hand), newest first and paged; pruned with the tombstones; and shown by
// the CLI. The real server on loopback (SQLite, and PostgreSQL as "pg:").

#include <catch2/catch.hpp>

#include "tests/support/cli_process.hpp"
#include "tests/support/http.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_checks.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

RecordHistory history_of(TestClient& c, const std::string& id) {
  CancelToken cancel;
  return c.engine().history(Entity::customers, id, cancel);
}

std::vector<std::string> authors(const RecordHistory& h) {
  std::vector<std::string> out;
  for (const auto& r : h.revisions) out.push_back(r.by);
  return out;
}

}  // namespace

TEST_CASE("history: a record edited by two devices, an admin and SQL, newest first",
          "[sync][history]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server), tablet(server);
  std::string id =
      laptop.records().create(Entity::customers, {{"name", "Ada"}, {"city", "Oslo"}})["id"];
  require_ok(laptop.sync());
  require_ok(tablet.sync());
  tablet.records().update(Entity::customers, id, {{"phone", "555-0101"}});
  require_ok(tablet.sync());
  require_ok(laptop.sync());
  laptop.records().update(Entity::customers, id, {{"city", "Bergen"}});
  require_ok(laptop.sync());
  direct_sql(server.db_path(), "UPDATE customers SET zip = '5003' WHERE id = '" + id + "'");
  craftsync::test::HttpClient admin(server.url(), server.admin_key());
  REQUIRE(
      admin.request("PUT", "/api/v1/customers/" + id, R"({"email":"ada@example.com"})").status ==
      200);

  RecordHistory h = history_of(laptop, id);
  REQUIRE(h.revisions.size() == 5);
  const std::string laptop_id = laptop.engine().device_id(),
                    tablet_id = tablet.engine().device_id();
  CHECK(authors(h) ==
        std::vector<std::string>{"admin:--api-key", "sql", laptop_id, tablet_id, laptop_id});
  for (std::size_t i = 1; i < h.revisions.size(); ++i)
    CHECK(h.revisions[i - 1].rev > h.revisions[i].rev);
  CHECK(describe_revision(Entity::customers, nullptr, h.revisions[4]) == "created");
  CHECK(describe_revision(Entity::customers, &h.revisions[4], h.revisions[3]) == "changed phone");
  CHECK(describe_revision(Entity::customers, &h.revisions[3], h.revisions[2]) == "changed city");
  CHECK(describe_revision(Entity::customers, &h.revisions[2], h.revisions[1]) == "changed zip");
  auto change = changed_fields(Entity::customers, h.revisions[3].data, h.revisions[2].data);
  REQUIRE(change.size() >= 1);
  CHECK(change.front().field == "city");
  CHECK(change.front().before == "Oslo");
  CHECK(change.front().after == "Bergen");
  CHECK(h.revisions[0].data["email"] == "ada@example.com");
  CHECK(h.revisions[0].data["zip"] == "5003");
  CHECK(h.revisions[0].at.size() == 24);  // 2026-12-02T18:42:07.277Z

  SECTION("paged by before, and a delete is a revision of its own") {
    json first = admin.get("/api/v1/customers/" + id + "/history?limit=2").json();
    REQUIRE(first["revisions"].size() == 2);
    std::int64_t next = first["next_before"];
    CHECK(next == first["revisions"][1]["rev"]);
    json rest =
        admin.get("/api/v1/customers/" + id + "/history?before=" + std::to_string(next)).json();
    CHECK(rest["revisions"].size() == 3);
    CHECK(rest["next_before"].is_null());
    REQUIRE(admin.request("DELETE", "/api/v1/customers/" + id).status == 200);
    RecordHistory after = history_of(laptop, id);
    REQUIRE(after.revisions.size() == 6);
    CHECK(after.revisions[0].deleted);
    CHECK(after.revisions[0].data.is_null());
    CHECK(describe_revision(Entity::customers, &after.revisions[1], after.revisions[0]) ==
          "deleted");
  }
  SECTION("a version restored through the engine is an ordinary edit that syncs") {
    json older = restorable_fields(Entity::customers, h.revisions[3].data);  // before Bergen
    CHECK_FALSE(older.contains("created_at"));
    require_ok(laptop.sync());  // the laptop holds the newest version, as the console shows it
    laptop.records().update(Entity::customers, id, older);
    CHECK(laptop.state(Entity::customers, id) == "pending");
    require_ok(laptop.sync());
    json now = admin.get("/api/v1/customers/" + id).json();
    CHECK(now["city"] == "Oslo");
    CHECK(now["phone"] == "555-0101");
    CHECK(now["zip"].is_null());
    RecordHistory restored = history_of(laptop, id);
    CHECK(restored.revisions.size() == 6);
    CHECK(restored.revisions[0].by == laptop_id);
  }
}

TEST_CASE(
    "history: purging keeps each record's current revision, then drops a purged "
    "tombstone's",
    "[sync][history]") {
  ServerProcess server(server_args({"--quiet"}));
  craftsync::test::HttpClient admin(server.url(), server.admin_key());
  json kept = admin.request("POST", "/api/v1/customers", R"({"name":"Kept"})").json();
  json gone = admin.request("POST", "/api/v1/customers", R"({"name":"Gone"})").json();
  std::string k = kept["id"], g = gone["id"];
  REQUIRE(admin.request("PUT", "/api/v1/customers/" + k, R"({"city":"Oslo"})").status == 200);
  REQUIRE(admin.request("DELETE", "/api/v1/customers/" + g).status == 200);
  auto count = [&](const std::string& id) {
    auto a = admin.get("/api/v1/customers/" + id + "/history");
    return a.status == 200 ? static_cast<int>(a.json()["revisions"].size()) : -a.status;
  };
  CHECK(count(k) == 2);
  CHECK(count(g) == 2);
  int code = -1;
  std::string out = run_server_command(
      {"purge-tombstones", "--db", server.db_path(), "--older-than-days", "0"}, &code);
  CHECK(code == 0);
  CHECK(out.find("dropped 1 tombstones and 3 old revisions") != std::string::npos);
  CHECK(count(k) == 1);  // its current revision stays
  CHECK(count(g) == -404);
  json now = admin.get("/api/v1/customers/" + k + "/history").json();
  CHECK(now["revisions"][0]["data"]["city"] == "Oslo");
}

namespace {

/// Puts a database back in the layout before history moved out of the current revision
/// (SQLite schema 3, PostgreSQL schema 5): every revision in record_history, the current one
/// too, and no author in change_log. What a server of that time left on disk.
void back_to_history_of_every_revision(const std::string& db) {
  std::string copy =
      "INSERT INTO record_history (entity, entity_id, rev, changed_at, author, deleted, data) "
      "SELECT entity, entity_id, rev, changed_at, coalesce(author, 'sql'), deleted, data FROM "
      "change_log";
  if (is_postgres_url(db)) {
    direct_sql(db, copy +
                       " ON CONFLICT DO NOTHING; ALTER TABLE change_log DROP COLUMN author; "
                       "UPDATE schema_version SET version = 5;");
    return;
  }
  std::string sql = "INSERT OR IGNORE" + copy.substr(6) + ";";
  for (const char* e : {"customers", "quotes", "orders"})
    for (const char* t : {"_log_insert", "_log_update", "_log_rekey", "_log_delete"})
      sql += std::string("DROP TRIGGER ") + e + t + ";";
  sql += "ALTER TABLE change_log DROP COLUMN author;";
  for (const char* e : {"customers", "quotes", "orders"})  // (version 4 drops them by name)
    for (const char* t : {"_log_insert", "_log_update", "_log_rekey", "_log_delete"})
      sql += std::string("CREATE TRIGGER ") + e + t + " AFTER DELETE ON " + e +
             " BEGIN SELECT 1; END;";
  direct_sql(db, sql + "PRAGMA user_version = 3;");
}

}  // namespace

// Since SQLite schema 4 and PostgreSQL schema 6 a change writes its data once: the current
// revision lives in change_log with its author, and record_history keeps the replaced ones.
// A database from before keeps every revision, author and order through the migration.
TEST_CASE("history: a database that kept every revision twice migrates without losing one",
          "[sync][history]") {
  TestDatabase db;
  json before;
  std::string id;
  {
    ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
    TestClient laptop(server);
    id = laptop.records().create(Entity::customers, {{"name", "Ada"}})["id"];
    require_ok(laptop.sync());
    laptop.records().update(Entity::customers, id, {{"city", "Oslo"}});
    require_ok(laptop.sync());
    direct_sql(db.location(), "UPDATE customers SET zip = '0150' WHERE id = '" + id + "'");
    craftsync::test::HttpClient admin(server.url(), server.admin_key());
    REQUIRE(admin.request("PUT", "/api/v1/customers/" + id, R"({"phone":"555"})").status == 200);
    before = admin.get("/api/v1/customers/" + id + "/history").json()["revisions"];
    REQUIRE(before.size() == 4);
    // A create leaves no history row now: the current revisions are in change_log alone.
    CHECK(std::stoi(direct_sql(db.location(), "SELECT count(*) FROM record_history")) == 3);
    server.stop();
  }
  back_to_history_of_every_revision(db.location());
  CHECK(std::stoi(direct_sql(db.location(), "SELECT count(*) FROM record_history")) == 4);

  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  craftsync::test::HttpClient admin(server.url(), server.admin_key());
  json after = admin.get("/api/v1/customers/" + id + "/history").json()["revisions"];
  CHECK(after == before);
  CHECK(after[0]["by"] == "admin:--api-key");
  CHECK(after[1]["by"] == "sql");
  CHECK(std::stoi(direct_sql(db.location(), "SELECT count(*) FROM record_history")) == 3);
  // The next change moves the migrated current revision, with its author, into the history.
  REQUIRE(admin.request("PUT", "/api/v1/customers/" + id, R"({"phone":"556"})").status == 200);
  json next = admin.get("/api/v1/customers/" + id + "/history").json()["revisions"];
  REQUIRE(next.size() == 5);
  CHECK(next[1] == before[0]);
}

TEST_CASE("history: the CLI prints who changed what, and --json the server's revisions",
          "[sync][history][cli]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  auto cli = [&](std::vector<std::string> rest) {
    return run_cli(cli_args(dir.file("cli.db"), server.url(), server.admin_key(), rest));
  };
  std::string id = json::parse(cli({"--json", "create", "customers", "name=Hist"}).out)["id"];
  REQUIRE(cli({"sync"}).exit_code == 0);
  direct_sql(server.db_path(), "UPDATE customers SET city = 'Tromsø' WHERE id = '" + id + "'");

  auto human = cli({"history", "customers", id});
  REQUIRE(human.exit_code == 0);
  CHECK(human.out.find("2 revisions") != std::string::npos);
  CHECK(human.out.find("changed city") != std::string::npos);
  CHECK(human.out.find("city: null -> \"Tromsø\"") != std::string::npos);
  CHECK(human.out.find("sql") != std::string::npos);
  auto js = cli({"--json", "history", "customers", id});
  REQUIRE(js.exit_code == 0);
  json j = json::parse(js.out);
  CHECK(j["entity"] == "customers");
  CHECK(j["revisions"].size() == 2);
  CHECK(j["revisions"][0]["by"] == "sql");
  CHECK(j["revisions"][1]["data"]["name"] == "Hist");

  auto unknown = cli({"history", "customers", "0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("has no history") != std::string::npos);
  CHECK(cli({"history", "customers", "nope"}).exit_code == 1);
  server.stop();
  auto offline = cli({"history", "customers", id});
  CHECK(offline.exit_code == 2);
  CHECK(offline.err.find("craftsync: ") == 0);
}
