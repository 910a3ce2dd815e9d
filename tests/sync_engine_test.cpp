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
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

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
