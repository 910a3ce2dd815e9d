// Broken PostgreSQL connections and a restarting database: the server reconnects, and a
// request caught in the middle answers `retry` or 503, never a wrong answer.

#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/pg_session.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;
using craftsync::new_uuid_v7;

namespace {

json one_customer(std::int64_t seq, const std::string& id, const std::string& name) {
  return json::array({upsert(seq, "customers", id, std::nullopt, customer_data(name))});
}

std::string verdict(const HttpAnswer& a) {
  return a.status == 200 ? a.json()["results"][0]["status"].get<std::string>() : "";
}

std::string pg_cluster_script() {
  return std::string(CRAFTSYNC_SOURCE_DIR) + "/scripts/pg-cluster";
}

}  // namespace

TEST_CASE("connections terminated by an admin are replaced without a failed request",
          "[pg][reconnect]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  REQUIRE(verdict(push(http, "dev-k", one_customer(1, new_uuid_v7(), "Before"))) == "applied");
  auto before = pull_all(http);

  PgSession admin(db.location());
  std::string killed = admin.exec(
      "SELECT string_agg(pid::text, ',') FROM (SELECT pid, pg_terminate_backend(pid) "
      "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t");
  REQUIRE_FALSE(killed.empty());
  // Wait until those backends are really gone, so the server's next use of them must fail.
  for (int i = 0;
       i < 2000 &&
       !admin.exec("SELECT 1 FROM pg_stat_activity WHERE pid IN (" + killed + ") LIMIT 1").empty();
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(
      admin.exec("SELECT 1 FROM pg_stat_activity WHERE pid IN (" + killed + ") LIMIT 1").empty());

  // Reads and the start of a write are safe to run again, so the server does it on a fresh
  // connection instead of failing the request.
  CHECK(pull_all(http) == before);
  CHECK(verdict(push(http, "dev-k", one_customer(2, new_uuid_v7(), "After"))) == "applied");
  CHECK(pull_all(http).size() == 2);
}

TEST_CASE("a push whose connection dies mid-transaction answers retry, and the resend applies once",
          "[pg][reconnect]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  json batch = one_customer(1, new_uuid_v7(), "Interrupted");

  // The push gets its transaction and the writers' lock, then waits at its INSERT behind an
  // admin's table lock; there its connection is terminated.
  PgSession admin(db.location()), monitor(db.location());
  admin.exec("BEGIN; LOCK TABLE customers IN ACCESS EXCLUSIVE MODE");
  HttpAnswer interrupted;
  std::thread pusher([&] { interrupted = push(http, "dev-mid", batch); });
  int waiter = wait_for_lock_waiter(monitor, "datname = current_database() AND pid NOT IN (" +
                                                 std::to_string(admin.backend_pid()) +
                                                 ", pg_backend_pid())");
  if (waiter != 0) monitor.exec("SELECT pg_terminate_backend(" + std::to_string(waiter) + ")");
  pusher.join();
  admin.exec("ROLLBACK");
  REQUIRE(waiter != 0);

  CHECK(interrupted.status == 200);
  CHECK(verdict(interrupted) == "retry");
  HttpClient check(server.url(), server.admin_key());
  CHECK(head_rev(check) == 0);  // nothing of it was committed
  CHECK(verdict(push(check, "dev-mid", batch)) == "applied");
  CHECK(verdict(push(check, "dev-mid", batch)) == "applied");  // a replay, not a second write
  CHECK(head_rev(check) == 1);
  CHECK(pull_all(check).size() == 1);
}

TEST_CASE("the database restarting: 503 or retry while it is down, then service resumes",
          "[pg][reconnect][restart]") {
  TempDir dir;
  std::string cluster = dir.file("cluster");
  int code = -1;
  std::string url = run_program({pg_cluster_script(), "start", cluster, "--no-fsync"}, &code);
  REQUIRE(code == 0);
  while (!url.empty() && url.back() == '\n') url.pop_back();
  struct StopCluster {
    std::string script, dir;
    ~StopCluster() { run_program({script, "stop", dir}); }
  } stop_at_exit{pg_cluster_script(), cluster};

  ServerProcess server(server_on(url, "test-admin-key-0123", {"--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  std::string a = new_uuid_v7(), b = new_uuid_v7();
  REQUIRE(verdict(push(http, "dev-r", one_customer(1, a, "A"))) == "applied");

  run_program({pg_cluster_script(), "stop", cluster}, &code);
  REQUIRE(code == 0);
  auto down = push(http, "dev-r", one_customer(2, b, "B"));
  INFO(down.body);
  CHECK((down.status == 503 || verdict(down) == "retry"));
  if (down.status == 503) CHECK(down.error_code() == "unavailable");
  CHECK(http.get("/api/v1/changes?after=0").status == 503);
  CHECK(http.get("/api/v1/health").status == 200);  // the process itself stays up

  std::string again = run_program({pg_cluster_script(), "start", cluster, "--no-fsync"}, &code);
  REQUIRE(code == 0);
  REQUIRE(again == url + "\n");  // same port, so the server's URL still points at it
  CHECK(verdict(push(http, "dev-r", one_customer(2, b, "B"))) == "applied");
  auto all = pull_all(http);
  REQUIRE(all.size() == 2);
  CHECK(all[0]["id"] == a);
  CHECK(all[1]["id"] == b);
}

TEST_CASE("a server whose database cannot be reached exits with a clear error", "[pg][reconnect]") {
  int code = 0;
  std::string out = run_server_command(
      {"--db", "postgresql://postgres@127.0.0.1:1/nowhere", "--listen", "127.0.0.1:0"}, &code,
      true);
  CHECK(code == 1);
  CHECK(out.find("cannot connect to PostgreSQL") != std::string::npos);
  CHECK(out.find("listening") == std::string::npos);
}
