// Authentication, roles, the request log, and protocol-version negotiation.

#include <chrono>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;

namespace {
std::string new_key(const ServerProcess& server, const std::string& role) {
  int code = -1;
  std::string out =
      run_server_command({"keys", "add", "--role", role, "--db", server.db_path()}, &code);
  REQUIRE(code == 0);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  REQUIRE(out.rfind("csk_", 0) == 0);
  return out;
}

}  // namespace

TEST_CASE("health needs no key, and everything else does", "[auth]") {
  ServerProcess server;
  HttpClient anon(server.url());
  auto h = anon.get("/api/v1/health");
  REQUIRE(h.status == 200);
  CHECK(h.json()["status"] == "ok");
  CHECK(h.json()["protocol"] == 1);

  for (const char* path : {"/api/v1/session", "/api/v1/changes?after=0", "/api/v1/customers"}) {
    INFO(path);
    auto a = anon.get(path);
    CHECK(a.status == 401);
    CHECK(a.error_code() == "unauthorized");
  }
}

TEST_CASE("a wrong key and a missing key get the same 401, which leaks nothing", "[auth]") {
  ServerProcess server;
  HttpClient missing(server.url());
  HttpClient wrong(server.url(), "csk_not-a-real-key-123");
  HttpClient malformed(server.url());
  auto a = missing.get("/api/v1/changes");
  auto b = wrong.get("/api/v1/changes");
  auto c = malformed.request("GET", "/api/v1/changes", "", {"Authorization: Basic Zm9vOmJhcg=="});
  CHECK(a.status == 401);
  CHECK(b.status == 401);
  CHECK(c.status == 401);
  CHECK(a.body == b.body);
  CHECK(b.body == c.body);
  CHECK(b.body.find("csk_not") == std::string::npos);
  CHECK(b.body.find(server.admin_key()) == std::string::npos);
}

TEST_CASE("roles: read reads, sync pushes, admin writes entities", "[auth]") {
  ServerProcess server;
  std::string read_key = new_key(server, "read");
  std::string sync_key = new_key(server, "sync");
  HttpClient reader(server.url(), read_key), syncer(server.url(), sync_key),
      admin(server.url(), server.admin_key());

  CHECK(reader.get("/api/v1/session").json()["role"] == "read");
  CHECK(syncer.get("/api/v1/session").json()["role"] == "sync");
  CHECK(admin.get("/api/v1/session").json()["role"] == "admin");
  HttpClient lower(server.url());
  auto scheme = lower.request("GET", "/api/v1/session", "", {"Authorization: bearer " + read_key});
  CHECK(scheme.status == 200);  // the auth scheme's name is case-insensitive

  std::string id = craftsync::new_uuid_v7();
  json batch = json::array({upsert(1, "customers", id, std::nullopt, customer_data("Role Test"))});
  CHECK(reader.get("/api/v1/changes?after=0").status == 200);
  auto denied = push(reader, "dev-r", batch);
  CHECK(denied.status == 403);
  CHECK(denied.error_code() == "forbidden");
  CHECK(push(syncer, "dev-s", batch).status == 200);

  json body = customer_data("Admin Only");
  CHECK(syncer.post("/api/v1/customers", body).status == 403);
  CHECK(reader.request("DELETE", "/api/v1/customers/" + id).status == 403);
  CHECK(admin.post("/api/v1/customers", body).status == 201);
  CHECK(reader.get("/api/v1/customers/" + id).status == 200);
}

TEST_CASE("one log line per request, with device, and never the key", "[auth][log]") {
  ServerProcess server;
  HttpClient admin(server.url(), server.admin_key());
  REQUIRE(admin.request("GET", "/api/v1/session", "", {"X-CraftSync-Device: dev-log-1"}).status ==
          200);
  REQUIRE(admin.request("GET", "/api/v1/nowhere", "", {"X-CraftSync-Device: dev-log-1"}).status ==
          404);
  HttpClient wrong(server.url(), "csk_wrong_secret_zz");
  REQUIRE(wrong.get("/api/v1/changes").status == 401);
  server.stop();
  std::string log = read_text_file(server.log_path());
  CHECK(log.find("GET /api/v1/session 200 ") != std::string::npos);
  CHECK(log.find("ms device=dev-log-1") != std::string::npos);
  CHECK(log.find("GET /api/v1/nowhere 404 ") != std::string::npos);
  CHECK(log.find("GET /api/v1/changes 401 ") != std::string::npos);
  CHECK(log.find(server.admin_key()) == std::string::npos);
  CHECK(log.find("csk_wrong_secret_zz") == std::string::npos);
}

TEST_CASE("an incompatible protocol version gets a clear error", "[auth][compat]") {
  ServerProcess server;
  HttpClient admin(server.url(), server.admin_key());
  auto a = admin.request("GET", "/api/v1/session", "", {"X-CraftSync-Protocol: 2"});
  CHECK(a.status == 426);
  CHECK(a.error_code() == "incompatible_protocol");
  CHECK(admin.request("GET", "/api/v1/session", "", {"X-CraftSync-Protocol: 1"}).status == 200);
}

// A found key is trusted for --key-cache-ms (1 s by default) without asking the database, so a
// request costs it no round trip of its own for the key. The cache holds found keys only.
namespace {

/// A server with --key-cache-ms `ms` and a read key that one request used, then deleted by
/// hand. Returns what the next requests with it get: the first, and the first that is not 200
/// within 20 s (or 200).
std::pair<int, int> after_deleting_a_used_key(const std::string& ms) {
  ServerProcess server(server_args({"--key-cache-ms", ms}));
  HttpClient reader(server.url(), new_key(server, "read"));
  REQUIRE(reader.get("/api/v1/changes?after=0").status == 200);
  direct_sql(server.db_path(), "DELETE FROM api_keys WHERE role = 'read'");
  int first = reader.get("/api/v1/changes?after=0").status, status = first;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ms != "60000" && status == 200 && std::chrono::steady_clock::now() < deadline)
    status = reader.get("/api/v1/changes?after=0").status;
  return {first, status};
}

}  // namespace

TEST_CASE("found keys are remembered for --key-cache-ms, wrong ones never", "[auth][key-cache]") {
  SECTION("a key deleted by hand keeps working while remembered") {
    CHECK(after_deleting_a_used_key("60000").first == 200);
  }
  SECTION("with --key-cache-ms 0 every request asks the database") {
    CHECK(after_deleting_a_used_key("0").first == 401);
  }
  SECTION("a deleted key stops working once its time is up") {
    CHECK(after_deleting_a_used_key("200").second == 401);
  }
  SECTION("a key refused once works as soon as it is back") {
    ServerProcess server;  // the default cache
    std::string key = new_key(server, "read");
    std::string hash =
        direct_sql(server.db_path(), "SELECT key_hash FROM api_keys WHERE role = 'read'");
    while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
    REQUIRE(hash.size() == 64);
    direct_sql(server.db_path(), "DELETE FROM api_keys WHERE role = 'read'");
    HttpClient reader(server.url(), key);
    CHECK(reader.get("/api/v1/changes?after=0").status == 401);  // not remembered as wrong
    direct_sql(server.db_path(),
               "INSERT INTO api_keys (key_hash, role, label, created_at) VALUES ('" + hash +
                   "', 'read', 'back', '2026-12-07')");
    CHECK(reader.get("/api/v1/changes?after=0").status == 200);
  }
}
