// Crashes and bad answers: a server killed mid-push, a CLI killed mid-pull, and a server that
// sends garbage. Nothing is lost and nothing is applied twice.

#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/cli_process.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

std::int64_t count_rows(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(h, 2000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return n;
}

/// Polls until `pred` holds (or the deadline passes); returns whether it held.
template <typename Pred>
bool wait_for(Pred pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}

/// A count on the server's database (SQLite file or PostgreSQL), as an admin would run it.
std::int64_t server_count(const std::string& db, const std::string& sql) {
  return std::stoll(direct_sql(db, sql));
}

std::map<std::string, std::int64_t> live_counts(const ServerProcess& s) {
  craftsync::test::HttpClient http(s.url(), s.admin_key());
  std::map<std::string, std::int64_t> counts;
  for (const auto& c : pull_all(http, "0", 5000))
    if (!c["deleted"].get<bool>()) ++counts[c["entity"].get<std::string>()];
  return counts;
}

}  // namespace

TEST_CASE("a server killed mid-push: the retry converges with no duplicates", "[sync][crash]") {
  auto first = std::make_unique<ServerProcess>(server_args({"--quiet"}));
  std::string db = first->db_path();
  TestClient a(*first);
  constexpr int kRecords = 3000;
  for (int i = 0; i < kRecords; ++i)
    a.records().create(Entity::customers, {{"name", "Crash " + std::to_string(i)}});

  SyncReport during;
  std::thread t([&] { during = a.sync(); });
  craftsync::test::HttpClient probe(first->url(), first->admin_key());
  bool started = wait_for([&] { return head_rev(probe) > 0; }, 60000);
  first->kill_hard();
  t.join();
  CHECK(started);
  INFO("first run: ok=" << during.ok << " pushed=" << during.pushed << " error=" << during.error);

  ServerProcess second(server_on(db));
  a.point_at(second.url(), second.admin_key());
  SyncReport r = a.sync();
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(server_count(db, "SELECT count(*) FROM customers") == kRecords);
  CHECK(server_count(db, "SELECT count(DISTINCT name) FROM customers") == kRecords);
  CHECK(count_rows(a.db_path(), "SELECT count(*) FROM outbox") == 0);
  CHECK(count_rows(a.db_path(), "SELECT count(*) FROM sync_metadata WHERE state <> 'synced'") == 0);
  CHECK(during.pushed + r.pushed == kRecords);
}

TEST_CASE("kill -9 of the CLI during a 50k-record pull: the rerun converges",
          "[sync][crash][cli]") {
  ServerProcess server(server_args({"--seed-demo", "18500", "--quiet"}));
  auto expected = live_counts(server);
  std::int64_t total = expected["customers"] + expected["quotes"] + expected["orders"];
  REQUIRE(total >= 50000);
  TempDir dir;
  std::string db = dir.file("client.db");
  std::vector<std::string> args = {
      "--db", db, "--remote", server.url(), "--api-key", server.admin_key(), "sync"};
  pid_t pid = spawn_cli(args, dir.file("out"), dir.file("err"));
  bool midway =
      wait_for([&] { return count_rows(db, "SELECT count(*) FROM sync_records") > 5000; }, 60000);
  kill(pid, SIGKILL);
  wait_child(pid, 10000);
  CHECK(midway);
  std::int64_t partial = count_rows(db, "SELECT count(*) FROM sync_records");
  INFO("rows before the kill: " << partial);
  // The first sync builds its reference indexes after its last page: a kill before that
  // leaves none.
  const std::string indexes =
      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
      "('quotes_customer', 'orders_quote', 'orders_customer')";
  CHECK(count_rows(db, indexes) == (partial < total ? 0 : 3));

  CliResult again = run_cli(args);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(count_rows(db, "SELECT count(*) FROM customers") == expected["customers"]);
  CHECK(count_rows(db, "SELECT count(*) FROM quotes") == expected["quotes"]);
  CHECK(count_rows(db, "SELECT count(*) FROM orders") == expected["orders"]);
  CHECK(count_rows(db, "SELECT count(*) FROM sync_records") == total);
  CHECK(count_rows(db, "SELECT count(*) FROM sync_metadata") == 0);  // each written once
  CHECK(count_rows(db,
                   "SELECT count(*) FROM (SELECT entity_id FROM sync_records GROUP BY "
                   "entity_type, entity_id HAVING count(*) > 1)") == 0);
  CHECK(sqlite3_cli(db, "PRAGMA integrity_check") == "ok\n");
  CHECK(sqlite3_cli(db, "PRAGMA foreign_key_check") == "");
  CHECK(count_rows(db, indexes) == 3);  // the next open built them
}

TEST_CASE("bad server answers give a clear error and apply nothing", "[sync][bad-input]") {
  const std::string id = "019b76da-a800-73f1-956e-eb2f2632d7bd";
  const std::string good_change = R"({"entity":"customers","id":")" + id +
                                  R"(","rev":1,"deleted":false,"data":{"id":")" + id +
                                  R"(","name":"Ok"}})";
  struct Case {
    const char* what;
    std::string response;
    const char* expect;  // a phrase of the error
  };
  std::vector<Case> cases = {
      {"truncated body",
       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: "
       "close\r\n\r\n"
       R"({"changes":[)" +
           good_change,
       "cannot reach"},
      {"500", ScriptedServer::http(500, R"({"error":{"code":"internal","message":"boom"}})"),
       "500"},
      {"non-JSON", ScriptedServer::http(200, "<html>proxy error</html>"), "invalid changes page"},
      {"wrong type of rev",
       ScriptedServer::http(
           200,
           R"({"changes":[{"entity":"customers","id":")" + id +
               R"(","rev":"1","deleted":false,"data":{"name":"X"}}],"next":"1","has_more":false})"),
       "invalid changes page"},
      {"wrong type of a field",
       ScriptedServer::http(
           200,
           R"({"changes":[)" + good_change +
               R"(,{"entity":"customers","id":"019b76da-a800-73f1-956e-eb2f2632d7be","rev":2,"deleted":false,"data":{"name":5}}],"next":"2","has_more":false})"),
       "invalid changes page"},
      {"missing has_more",
       ScriptedServer::http(200, R"({"changes":[)" + good_change + R"(],"next":"1"})"),
       "invalid changes page"},
      {"unknown entity",
       ScriptedServer::http(
           200, R"({"changes":[{"entity":"widgets","id":")" + id +
                    R"(","rev":1,"deleted":false,"data":{}}],"next":"1","has_more":false})"),
       "unknown entity"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    ScriptedServer bad([&](const std::string&) { return c.response; });
    TestClient client(bad.url(), "any-key");
    SyncOptions o;
    o.direction = Direction::pull;
    SyncReport r = client.sync(o);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find(c.expect) != std::string::npos);
    CHECK(r.error.find('\n') == std::string::npos);
    CHECK(client.engine().status().records[0] == 0);
    CHECK(count_rows(client.db_path(), "SELECT count(*) FROM cursors") == 0);
    CHECK(client.engine().status().last_error == r.error);
  }
}

TEST_CASE("a bad push answer keeps the change queued for the next run", "[sync][bad-input]") {
  ServerProcess real(server_args({"--quiet"}));
  ScriptedServer bad([](const std::string& line) {
    if (line.find("/api/v1/push") != std::string::npos)
      return ScriptedServer::http(200, R"({"results":[{"seq":999,"status":"applied","rev":1}]})");
    return ScriptedServer::http(200, R"({"changes":[],"next":"0","has_more":false})");
  });
  TestClient a(bad.url(), "k");
  std::string id = a.records().create(Entity::customers, {{"name", "Queued"}})["id"];
  SyncReport r = a.sync();
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("seq 999") != std::string::npos);
  CHECK(a.state(Entity::customers, id) == "pending");
  CHECK(count_rows(a.db_path(), "SELECT count(*) FROM outbox") == 1);

  a.point_at(real.url(), real.admin_key());
  SyncReport fixed = a.sync();
  REQUIRE(fixed.ok);
  CHECK(fixed.pushed == 1);
  CHECK(a.state(Entity::customers, id) == "synced");
}

TEST_CASE("kill -9 of the CLI during an overlapped push: the rerun converges with no duplicates",
          "[sync][crash][cli][overlap]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server);
  constexpr int kRecords = 6000;  // 12 batches, each sent while the last is applied
  for (int i = 0; i < kRecords; ++i)
    a.records().create(Entity::customers, {{"name", "Offline " + std::to_string(i)}});
  a.close();
  std::string server_db = server.db_path();
  std::vector<std::string> args = {"--db",       a.db_path(),   "--remote",
                                   server.url(), "--api-key",   server.admin_key(),
                                   "sync",       "--direction", "push"};
  TempDir dir;
  pid_t pid = spawn_cli(args, dir.file("out"), dir.file("err"));
  craftsync::test::HttpClient probe(server.url(), server.admin_key());
  bool midway = wait_for([&] { return head_rev(probe) >= 1500; }, 60000);
  kill(pid, SIGKILL);
  wait_child(pid, 10000);
  CHECK(midway);
  INFO("server head at the kill: " << head_rev(probe));

  CliResult again = run_cli(args);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(server_count(server_db, "SELECT count(*) FROM customers") == kRecords);
  CHECK(server_count(server_db, "SELECT count(DISTINCT name) FROM customers") == kRecords);
  CHECK(count_rows(a.db_path(), "SELECT count(*) FROM outbox") == 0);
  CHECK(count_rows(a.db_path(), "SELECT count(*) FROM sync_metadata WHERE state <> 'synced'") == 0);
}
