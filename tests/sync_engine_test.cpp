// Engine behaviour beyond the scenarios: child-first pages, retry verdicts, cancellation from
// another thread, backoff with Retry-After, and where the key may (and may not) live.

#include <sys/stat.h>

#include <sqlite3.h>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "core/client_config.hpp"
#include "core/http_client.hpp"
#include "core/sqlite_db.hpp"
#include "tests/support/http.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

/// How many of the entity tables' reference indexes (quotes_customer, ...) the database has.
std::int64_t reference_index_count(SqliteConn& db) {
  auto st = db.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
      "('quotes_customer', 'orders_quote', 'orders_customer')");
  st.step();
  return st.int_at(0);
}

}  // namespace

TEST_CASE("a first sync builds the reference indexes once, after its last page",
          "[sync][pull][indexes]") {
  ServerProcess server(server_args({"--seed-demo", "300", "--quiet"}));
  TestClient a(server);
  REQUIRE(reference_index_count(a.engine().db()) == 3);
  SyncOptions o;
  o.page_limit = 100;
  CancelToken cancel;
  std::int64_t during = -1;
  SyncReport r = a.engine().sync(
      o,
      [&](const SyncProgress& p) {
        if (p.phase == SyncPhase::pulling && p.pages == 1)
          during = reference_index_count(a.engine().db());
      },
      cancel);
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.pages > 1);
  CHECK(during == 0);  // the empty client wrote its pages without them
  CHECK(reference_index_count(a.engine().db()) == 3);
  {  // and without automatic checkpoints, which are back on now
    auto st = a.engine().db().prepare("PRAGMA wal_autocheckpoint");
    REQUIRE(st.step());
    CHECK(st.int_at(0) == kWalAutocheckpointBytes / kLocalPageSize);
  }
  {  // a new database has the engine's page size, not SQLite's default
    auto st = a.engine().db().prepare("PRAGMA page_size");
    REQUIRE(st.step());
    CHECK(st.int_at(0) == kLocalPageSize);
  }
  CHECK(sqlite3_cli(a.db_path(), "EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 'x'")
            .find("USING COVERING INDEX orders_customer") != std::string::npos);
  CHECK(sqlite3_cli(a.db_path(), "PRAGMA integrity_check") == "ok\n");

  // A later sync into the filled database keeps them throughout.
  test::HttpClient admin(server.url(), server.admin_key());
  for (const auto& c : pull_all(admin, "0", 5000)) {
    if (c["entity"] != "customers") continue;
    admin.request("PUT", "/api/v1/customers/" + c["id"].get<std::string>(), R"({"city":"Later"})");
  }
  during = -1;
  r = a.engine().sync(
      o,
      [&](const SyncProgress& p) {
        if (p.phase == SyncPhase::pulling && p.pages == 1)
          during = reference_index_count(a.engine().db());
      },
      cancel);
  REQUIRE(r.ok);
  CHECK(r.pulled == 300);
  CHECK(during == 3);
}

TEST_CASE("a database made with 4 KiB pages keeps them, and checkpoints at the same WAL size",
          "[sync][schema]") {
  TempDir dir;
  std::string path = dir.file("old.db");
  {  // as an older build made it: SQLite's default page size, then WAL
    SqliteConn old(path, 5000);
    old.exec("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x)");
  }
  SyncEngine engine(path);
  auto page = engine.db().prepare("PRAGMA page_size");
  REQUIRE(page.step());
  CHECK(page.int_at(0) == 4096);
  auto wal = engine.db().prepare("PRAGMA wal_autocheckpoint");
  REQUIRE(wal.step());
  CHECK(wal.int_at(0) == kWalAutocheckpointBytes / 4096);
}

TEST_CASE("children pulled before their parents are kept, and the parents complete them",
          "[sync][pull]") {
  ServerProcess server(server_args({"--seed-demo", "30", "--quiet"}));
  TestClient a(server);
  SyncOptions quotes_only;
  quotes_only.entities = {Entity::quotes};
  quotes_only.direction = Direction::pull;
  SyncReport r = a.sync(quotes_only);
  INFO(r.error);
  REQUIRE(r.ok);
  auto status = a.engine().status();
  CHECK(status.records[0] == 0);  // no customers yet
  CHECK(status.records[1] > 0);   // but their quotes are here
  REQUIRE(a.sync().ok);
  CHECK(a.engine().status().records[0] == 30);
  CHECK(sqlite3_cli(a.db_path(), "PRAGMA foreign_key_check") == "");
  // The customers' cursor did not move with the quotes-only run: nothing was skipped.
  CHECK(a.engine().status().records[2] > 0);
}

TEST_CASE("a retry verdict leaves the change queued, and the next run sends it",
          "[sync][push][retry]") {
  ServerProcess server(server_args({"--busy-timeout-ms", "100", "--quiet"}));
  TestClient a(server);
  std::string id = a.records().create(Entity::customers, {{"name", "Patient"}})["id"];
  SyncOptions push_only;
  push_only.direction = Direction::push;
  SyncReport busy;
  {
    HeldWriteLock lock(server.db_path());  // a long admin transaction on the server's database
    busy = a.sync(push_only);
  }
  CHECK_FALSE(busy.ok);
  CHECK(busy.retried == 1);
  CHECK(busy.error.find("retry") != std::string::npos);
  CHECK(a.state(Entity::customers, id) == "pending");
  SyncReport later = a.sync();
  REQUIRE(later.ok);
  CHECK(later.pushed == 1);
  CHECK(a.state(Entity::customers, id) == "synced");
}

TEST_CASE("a sync cancelled from another thread stops cleanly and resumes", "[sync][cancel]") {
  ServerProcess server(server_args({"--seed-demo", "6000", "--quiet"}));
  TempDir dir;
  SyncEngine engine(dir.file("c.db"));
  RemoteConfig remote;
  remote.url = server.url();
  remote.api_key = server.admin_key();
  engine.set_remote(remote);
  CancelToken cancel;
  std::atomic<bool> first_page{false};
  std::thread canceller([&] {
    while (!first_page) std::this_thread::yield();  // wait for the first applied page
    cancel.cancel();
  });
  SyncOptions o;
  o.page_limit = 500;
  SyncReport r = engine.sync(
      o,
      [&](const SyncProgress& p) {
        if (p.pages >= 1) first_page = true;
      },
      cancel);
  canceller.join();
  CHECK_FALSE(r.ok);
  CHECK(r.cancelled);
  CHECK(r.pulled > 0);
  CHECK(reference_index_count(engine.db()) == 3);  // a first sync that stops builds them too
  test::HttpClient http(server.url(), server.admin_key());
  CHECK(r.pulled < head_rev(http));
  cancel.reset();
  SyncReport again = engine.sync(o, nullptr, cancel);
  REQUIRE(again.ok);
  CHECK(r.pulled + again.pulled == head_rev(http));
  CHECK(engine.status().stats.failed == 1);
}

TEST_CASE("retries back off, honour Retry-After, and stop at the attempt limit", "[http][retry]") {
  std::atomic<int> calls{0};
  ScriptedServer flaky([&](const std::string&) {
    int n = ++calls;
    if (n == 1)
      return std::string(
          "HTTP/1.1 503 Busy\r\nRetry-After: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    if (n == 2)
      return std::string("HTTP/1.1 429 Slow\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return ScriptedServer::http(200, R"({"status":"ok"})");
  });
  RemoteConfig cfg;
  cfg.url = flaky.url();
  cfg.max_attempts = 4;
  cfg.backoff_base_ms = 10;
  craftsync::HttpClient client(cfg, "dev");
  std::vector<long> delays;
  client.set_retry_observer([&](int, long delay, const std::string&) { delays.push_back(delay); });
  auto r = client.get("/api/v1/health", false);
  CHECK(r.status == 200);
  REQUIRE(delays.size() == 2);
  CHECK(delays[0] >= 2000);  // Retry-After: 2
  CHECK(delays[1] < 2000);   // plain backoff

  calls = 0;
  ScriptedServer down([&](const std::string&) {
    ++calls;
    return ScriptedServer::http(500, R"({"error":{"code":"internal","message":"down"}})");
  });
  cfg.url = down.url();
  cfg.max_attempts = 3;
  craftsync::HttpClient give_up(cfg, "dev");
  try {
    give_up.get("/api/v1/health", false);
    FAIL("expected an error");
  } catch (const RemoteError& e) {
    CHECK(e.status() == 500);
    CHECK(std::string(e.what()).find("internal") != std::string::npos);
  }
  CHECK(calls == 3);

  calls = 0;
  ScriptedServer refuses([&](const std::string&) {
    ++calls;
    return ScriptedServer::http(
        401, R"({"error":{"code":"unauthorized","message":"missing or invalid API key"}})");
  });
  cfg.url = refuses.url();
  craftsync::HttpClient no_retry(cfg, "dev");
  CHECK_THROWS_AS(no_retry.get("/api/v1/session"), RemoteError);
  CHECK(calls == 1);  // a 4xx is not retried
}

TEST_CASE("the key comes from flags, the environment or a private config file, never SQLite",
          "[secrets]") {
  TempDir home;
  std::string old_xdg = std::getenv("XDG_CONFIG_HOME") ? std::getenv("XDG_CONFIG_HOME") : "";
  setenv("XDG_CONFIG_HOME", home.path().c_str(), 1);
  unsetenv("REMOTE_API_KEY");
  unsetenv("REMOTE_API_URL");
  write_config_file({"http://127.0.0.1:1", "file-key-123", ""});
  struct stat st {};
  REQUIRE(stat(config_file_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(resolve_remote({}).api_key == "file-key-123");
  setenv("REMOTE_API_KEY", "env-key-456", 1);
  CHECK(resolve_remote({}).api_key == "env-key-456");
  RemoteFlags flags;
  flags.api_key = "flag-key-789";
  CHECK(resolve_remote(flags).api_key == "flag-key-789");
  unsetenv("REMOTE_API_KEY");
  chmod(config_file_path().c_str(), 0644);
  std::string warning;
  CHECK(resolve_remote({}, &warning).api_key.empty());
  CHECK(warning.find("readable by other users") != std::string::npos);

  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server);
  a.records().create(Entity::customers, {{"name", "Secretive"}});
  REQUIRE(a.sync().ok);
  std::ifstream in(a.db_path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.find(server.admin_key()) == std::string::npos);
  if (old_xdg.empty())
    unsetenv("XDG_CONFIG_HOME");
  else
    setenv("XDG_CONFIG_HOME", old_xdg.c_str(), 1);
}

namespace {

std::string one_value(const TestClient& c, const std::string& sql) {
  std::string out = sqlite3_cli(c.db_path(), sql);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("a first sync writes each record once; local edits, deletes and pulls keep its rev",
          "[sync][pull][first-sync]") {
  ServerProcess server(server_args({"--seed-demo", "20", "--quiet"}));
  craftsync::test::HttpClient admin(server.url(), server.admin_key());
  json lone = admin.request("POST", "/api/v1/customers", R"({"name":"Lone"})").json();
  TestClient a(server);
  REQUIRE(a.sync().ok);

  // Each pulled record is one row, carrying the server's rev; no bookkeeping rows.
  CHECK(one_value(a, "SELECT count(*) FROM sync_metadata") == "0");
  CHECK(one_value(a, "SELECT count(*) FROM customers WHERE _rev IS NULL") == "0");
  std::string total = one_value(a,
                                "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM "
                                "quotes) + (SELECT count(*) FROM orders)");
  CHECK(one_value(a, "SELECT count(*) FROM sync_records WHERE state = 'synced'") == total);

  std::string lone_id = lone["id"];
  CHECK(a.records().sync_info(Entity::customers, lone_id)->remote_version ==
        lone["rev"].get<std::int64_t>());
  CHECK(a.state(Entity::customers, lone_id) == "synced");

  // A local edit gives the record a bookkeeping row based on the rev its row carried.
  std::string id = a.records().list(Entity::customers, {"", "", 0, 1}).at(0)["id"];
  json before = a.row(Entity::customers, id);
  std::int64_t rev = std::stoll(one_value(a, "SELECT _rev FROM customers WHERE id = '" + id + "'"));
  a.records().update(Entity::customers, id, {{"city", "Oslo"}});
  auto info = a.records().sync_info(Entity::customers, id);
  REQUIRE(info);
  CHECK(info->state == "pending");
  CHECK(info->remote_version == rev);
  CHECK(info->base["city"] == before["city"]);
  REQUIRE(a.records().outbox_for(Entity::customers, id).at(0).base_rev == rev);

  // A local delete too: the row goes, its rev stays with the change.
  std::int64_t lone_rev = lone["rev"];
  a.records().remove(Entity::customers, lone_id);
  CHECK(a.records().outbox_for(Entity::customers, lone_id).at(0).base_rev == lone_rev);

  SyncReport pushed = a.sync();
  INFO(pushed.error);
  REQUIRE(pushed.ok);
  CHECK(pushed.pushed == 2);
  CHECK(pushed.conflicts == 0);
  CHECK(admin.get("/api/v1/customers/" + id).json()["city"] == "Oslo");
  CHECK(admin.get("/api/v1/customers/" + lone_id).status == 404);
  CHECK(a.state(Entity::customers, id) == "synced");

  // A change made elsewhere to a record without bookkeeping is taken on the row alone.
  std::string other = a.records().list(Entity::customers, {"", "", 1, 1}).at(0)["id"];
  REQUIRE(other != id);
  json put = admin.request("PUT", "/api/v1/customers/" + other, R"({"city":"Bergen"})").json();
  SyncReport pulled = a.sync();
  REQUIRE(pulled.ok);
  CHECK(pulled.pulled >= 1);
  CHECK(a.row(Entity::customers, other)["city"] == "Bergen");
  CHECK(one_value(a, "SELECT _rev FROM customers WHERE id = '" + other + "'") ==
        std::to_string(put["rev"].get<std::int64_t>()));
  CHECK(one_value(a, "SELECT count(*) FROM sync_metadata WHERE entity_id = '" + other + "'") ==
        "0");

  // A second device's first sync sees all of it.
  TestClient b(server);
  REQUIRE(b.sync().ok);
  CHECK(b.row(Entity::customers, id)["city"] == "Oslo");
  CHECK(b.row(Entity::customers, lone_id).is_null());
  CHECK(b.row(Entity::customers, other)["city"] == "Bergen");
}

TEST_CASE("a record kept in an older bookkeeping row keeps that row's rev", "[sync][pull]") {
  ServerProcess server(server_args({"--seed-demo", "3", "--quiet"}));
  TestClient a(server);
  REQUIRE(a.sync().ok);
  std::string id = a.records().list(Entity::customers, {"", "", 0, 1}).at(0)["id"];
  std::int64_t rev = std::stoll(one_value(a, "SELECT _rev FROM customers WHERE id = '" + id + "'"));
  // As a database from before schema 3 has it: the rev in sync_metadata, none on the row.
  a.close();
  sqlite3_cli(a.db_path(),
              "UPDATE customers SET _rev = NULL WHERE id = '" + id +
                  "'; INSERT INTO sync_metadata (entity_type, entity_id, remote_version, state) "
                  "VALUES ('customers', '" +
                  id + "', " + std::to_string(rev) + ", 'synced')");
  a.open();
  CHECK(a.records().sync_info(Entity::customers, id)->remote_version == rev);
  // With a bookkeeping row, its rev counts, whatever the row carries.
  a.engine().db().exec("UPDATE customers SET _rev = " + std::to_string(rev + 1000) +
                       " WHERE id = '" + id + "'");
  CHECK(a.records().sync_info(Entity::customers, id)->remote_version == rev);
  a.records().update(Entity::customers, id, {{"city", "Tromsø"}});
  CHECK(a.records().outbox_for(Entity::customers, id).at(0).base_rev == rev);
  SyncReport r = a.sync();
  REQUIRE(r.ok);
  CHECK(r.conflicts == 0);
  CHECK(a.state(Entity::customers, id) == "synced");
}

namespace {

/// One value, as an admin's shell prints it (sqlite3 or psql), without its newline.
std::string sql_value(const std::string& db, const std::string& sql) {
  std::string out = direct_sql(db, sql);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::vector<std::string> create_customers(TestClient& c, int n, const std::string& name) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(
        c.records().create(Entity::customers, {{"name", name + " " + std::to_string(i)}})["id"]);
  return ids;
}

std::string outbox_count(TestClient& c, const std::string& state) {
  return sql_value(c.db_path(), "SELECT count(*) FROM outbox WHERE state = '" + state + "'");
}

}  // namespace

TEST_CASE("push batches overlap the client's work with the server's, and lose nothing",
          "[sync][push][overlap]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server);
  std::vector<std::string> ids = create_customers(a, 1600, "Batch");  // 4 batches of 500
  SyncOptions push_only;
  push_only.direction = Direction::push;
  SyncReport r = a.sync(push_only);
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.pushed == 1600);
  CHECK(r.overlapped == 3);  // each batch after the first went while the last one was applied
  CHECK(outbox_count(a, "queued") == "0");
  CHECK(outbox_count(a, "inflight") == "0");
  CHECK(sql_value(server.db_path(), "SELECT count(*) FROM customers WHERE name LIKE 'Batch %'") ==
        "1600");
  for (const std::string& id : {ids.front(), ids[777], ids.back()})
    CHECK(a.state(Entity::customers, id) == "synced");
  // The device's seqs reached the server in order: the verdicts recorded are 1..1600.
  CHECK(sql_value(server.db_path(),
                  "SELECT min(seq) || ' ' || max(seq) || ' ' || count(*) "
                  "FROM device_results") == "1 1600 1600");
}

TEST_CASE("a conflict in one push batch sends the next one only after it, with nothing lost",
          "[sync][push][overlap]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient a(server);
  std::string x = a.records().create(Entity::customers, {{"name", "Contested"}})["id"];
  REQUIRE(a.sync().ok);
  test::HttpClient admin(server.url(), server.admin_key());
  admin.request("PUT", "/api/v1/customers/" + x, R"({"city":"Server City"})");
  create_customers(a, 600, "Before");
  a.records().update(Entity::customers, x, {{"phone", "+1 555 0100"}});  // in the second batch
  create_customers(a, 600, "After");
  SyncOptions push_only;
  push_only.direction = Direction::push;
  SyncReport r = a.sync(push_only);
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.conflicts == 1);
  // Batch 2 went during batch 1's verdicts; batch 3 was taken back when batch 2 answered with
  // a conflict, and sent after the conflict was merged, with the merged record in it.
  CHECK(r.overlapped == 1);
  CHECK(r.pushed == 1201);
  CHECK(outbox_count(a, "inflight") == "0");
  CHECK(outbox_count(a, "queued") == "0");
  CHECK(a.state(Entity::customers, x) == "synced");
  CHECK(sql_value(server.db_path(),
                  "SELECT count(*) FROM customers WHERE name LIKE 'Before %' OR name LIKE "
                  "'After %'") == "1200");
  CHECK(sql_value(server.db_path(), "SELECT city || '|' || phone FROM customers WHERE id = '" + x +
                                        "'") == "Server City|+1 555 0100");
}

TEST_CASE("a busy server stops an overlapped push with the next batch still queued",
          "[sync][push][overlap][retry]") {
  ServerProcess server(server_args({"--busy-timeout-ms", "100", "--quiet"}));
  TestClient a(server);
  create_customers(a, 1200, "Waiting");
  SyncOptions push_only;
  push_only.direction = Direction::push;
  SyncReport busy;
  {
    HeldWriteLock lock(server.db_path());
    busy = a.sync(push_only);
  }
  CHECK_FALSE(busy.ok);
  CHECK(busy.retried == 500);  // the first batch only
  CHECK(busy.overlapped == 0);
  // The first batch waits in flight for its answer. The second was prepared while the first
  // was on the server, and put back unsent.
  CHECK(outbox_count(a, "inflight") == "500");
  CHECK(outbox_count(a, "queued") == "700");
  CHECK(sql_value(a.db_path(), "SELECT max(attempts) FROM outbox WHERE seq > 500") == "0");
  SyncReport later = a.sync(push_only);
  INFO(later.error);
  REQUIRE(later.ok);
  CHECK(later.pushed == 1200);  // 500 sent again as they were, then 500 and 200 overlapped
  CHECK(later.overlapped == 1);
  CHECK(sql_value(server.db_path(), "SELECT count(*) FROM customers") == "1200");
}
