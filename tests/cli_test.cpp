// The craftsync CLI as a user and a script see it.

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/cli_process.hpp"
#include "tests/support/http.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync::test;
using nlohmann::json;

namespace {
std::vector<std::string> with_db(const TempDir& dir, const ServerProcess& s,
                                 std::vector<std::string> rest) {
  return cli_args(dir.file("cli.db"), s.url(), s.admin_key(), std::move(rest));
}
bool one_line(const std::string& s) {
  return !s.empty() && s.find('\n') == s.size() - 1;
}
}  // namespace

TEST_CASE("CLI: create, update, get, list and sync speak JSON with --json", "[cli]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  auto created = run_cli(
      with_db(dir, server, {"--json", "create", "customers", "name=Cli Person", "city=Boise"}));
  REQUIRE(created.exit_code == 0);
  json c = json::parse(created.out);
  std::string id = c["id"];
  CHECK(c["_sync"]["state"] == "pending");

  auto updated = run_cli(
      with_db(dir, server, {"--json", "update", "customers", id, "phone=555-0123", "city="}));
  REQUIRE(updated.exit_code == 0);
  CHECK(json::parse(updated.out)["city"].is_null());

  auto synced = run_cli(with_db(dir, server, {"--json", "sync"}));
  REQUIRE(synced.exit_code == 0);
  json report = json::parse(synced.out);
  CHECK(report["ok"] == true);
  CHECK(report["pushed"] == 1);
  CHECK(synced.err.empty());

  auto got = run_cli(with_db(dir, server, {"--json", "get", "customers", id}));
  CHECK(json::parse(got.out)["_sync"]["state"] == "synced");
  auto listed = run_cli(with_db(dir, server, {"--json", "list", "customers"}));
  json arr = json::parse(listed.out);
  REQUIRE(arr.is_array());
  CHECK(arr.size() == 1);

  auto status = run_cli(with_db(dir, server, {"--json", "status"}));
  json s = json::parse(status.out);
  CHECK(s["pending"] == 0);
  CHECK(s["stats"]["success"] == 1);
  CHECK(s["stats"]["pushed"] == 1);
}

TEST_CASE("CLI: errors are one line on stderr with a non-zero exit", "[cli]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    const char* phrase;
  };
  std::vector<Case> cases = {
      {{"get", "customers", "019b76da-a800-73f1-956e-eb2f2632d7bd"}, "not found"},
      {{"create", "widgets", "name=x"}, "unknown entity"},
      {{"create", "customers", "colour=red"}, "unknown field"},
      {{"create", "quotes", "customer_id=019b76da-a800-73f1-956e-eb2f2632d7bd", "total_amount=1.00",
        "status=draft"},
       "does not exist"},
      {{"create", "quotes", "total_amount=12.5"}, "required"},
      {{"update", "customers", "nope", "name=x"}, "does not exist"},
      {{"settings", "set", "syncIntervalMinutes", "2"}, "5 to 1440"},
      {{"settings", "set", "conflictResolution", "mine"}, "local, remote or manual"},
      {{"settings", "get", "colour"}, "unknown setting"},
      {{"conflicts", "resolve", "42", "--keep", "local"}, "no conflict"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0] << " " << c.args[1]);
    auto r = run_cli(with_db(dir, server, c.args));
    CHECK(r.exit_code == 1);  // a bad command or a refused edit (docs/cli.md)
    CHECK(one_line(r.err));
    CHECK(r.err.find(c.phrase) != std::string::npos);
    CHECK(r.out.empty());
  }
  auto wrong_key = run_cli({"--db", dir.file("cli.db"), "--remote", server.url(), "--api-key",
                            "nope", "--json", "sync"});
  CHECK(wrong_key.exit_code != 0);
  json report = json::parse(wrong_key.out);
  CHECK(report["ok"] == false);
  CHECK(report["error"].get<std::string>().find("401") != std::string::npos);
  CHECK(wrong_key.out.find("nope") == std::string::npos);
  auto nowhere = run_cli({"--db", dir.file("cli.db"), "--remote", "http://127.0.0.1:9", "--api-key",
                          "k", "--retries", "1", "test-connection"});
  CHECK(nowhere.exit_code != 0);
  CHECK(nowhere.out.find("reachable       no") != std::string::npos);
}

TEST_CASE("CLI: settings are validated and stored", "[cli]") {
  TempDir dir;
  auto set = run_cli({"--db", dir.file("s.db"), "settings", "set", "syncIntervalMinutes", "45"});
  CHECK(set.exit_code == 0);
  CHECK(set.out == "syncIntervalMinutes=45\n");
  auto all = run_cli({"--db", dir.file("s.db"), "--json", "settings", "get"});
  json j = json::parse(all.out);
  CHECK(j["syncIntervalMinutes"] == 45);
  CHECK(j["conflictResolution"] == "remote");
  CHECK(j["autoSyncEnabled"] == true);
}

TEST_CASE("CLI: test-connection reports role, version, round trip and skew", "[cli]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  auto r = run_cli(with_db(dir, server, {"--json", "test-connection"}));
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["reachable"] == true);
  CHECK(j["authenticated"] == true);
  CHECK(j["role"] == "admin");
  CHECK(j["protocol"] == 1);
  CHECK(j["round_trip_ms"].get<double>() > 0);
  CHECK(std::abs(j["clock_skew_ms"].get<double>()) < 5000);
}

TEST_CASE("CLI: watch syncs, and stops cleanly on SIGTERM", "[cli]") {
  ServerProcess server(server_args({"--seed-demo", "5", "--quiet"}));
  TempDir dir;
  pid_t pid = spawn_cli(with_db(dir, server, {"watch", "--interval-minutes", "60"}),
                        dir.file("out"), dir.file("err"));
  // Wait for the first run's report on the watch's own stdout (or for the watch to die).
  bool synced = false;
  int early_exit = -2;
  for (int i = 0; i < 30000 && !synced && early_exit == -2; ++i) {
    synced = read_text_file(dir.file("out")).find("sync ok") != std::string::npos;
    if (!synced) early_exit = wait_child(pid, 1);
  }
  INFO("watch stderr: " << read_text_file(dir.file("err")));
  REQUIRE(synced);
  kill(pid, SIGTERM);
  CHECK(wait_child(pid, 10000) == 0);
  auto status = run_cli({"--db", dir.file("cli.db"), "--json", "status"});
  CHECK(json::parse(status.out)["records"]["customers"] == 5);
}

/// Waits (up to 60 s, while `pid` lives) until `done()`; false if it never came.
template <class Pred>
bool wait_for(pid_t pid, Pred done) {
  for (int i = 0; i < 60000; ++i) {
    if (done()) return true;
    if (wait_child(pid, 1) != -2) return done();
  }
  return false;
}

TEST_CASE("CLI: watch --live pulls a server change and pushes a local write at once", "[cli]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  TempDir dir;
  // The interval is an hour: only the held pull and the local watch can move anything.
  pid_t pid =
      spawn_cli(with_db(dir, server, {"--json", "watch", "--live", "--interval-minutes", "60"}),
                dir.file("out"), dir.file("err"));
  INFO("watch stderr: " << read_text_file(dir.file("err")));
  auto local_name = [&](const std::string& id) {
    auto got = run_cli({"--db", dir.file("cli.db"), "--json", "get", "customers", id});
    return got.exit_code == 0 ? json::parse(got.out)["name"].get<std::string>() : "";
  };
  // The first round (a sync, then the held pull) has begun once the server holds a pull.
  REQUIRE(wait_for(pid, [&] {
    return admin.get("/metrics").body.find("\ncraftsync_held_pulls 1\n") != std::string::npos;
  }));

  auto made = admin.post("/api/v1/customers", customer_data("From the server"));
  REQUIRE(made.status == 201);
  std::string remote_id = made.json()["id"];
  CHECK(wait_for(pid, [&] { return local_name(remote_id) == "From the server"; }));

  auto created = run_cli(
      {"--db", dir.file("cli.db"), "--json", "create", "customers", "name=From this laptop"});
  REQUIRE(created.exit_code == 0);
  std::string local_id = json::parse(created.out)["id"];
  CHECK(wait_for(pid, [&] { return admin.get("/api/v1/customers/" + local_id).status == 200; }));

  server.stop();  // offline: it says so, and falls back to interval sync
  CHECK(wait_for(pid, [&] {
    return read_text_file(dir.file("err")).find("live sync is paused") != std::string::npos;
  }));
  kill(pid, SIGTERM);
  CHECK(wait_child(pid, 10000) == 0);
  // Each run that moved something printed its report, one JSON object per line.
  std::string out = read_text_file(dir.file("out"));
  INFO("watch stdout: " << out);
  int pulled = 0, pushed = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    json report = json::parse(line);  // throws, and fails the test, on a line that is not JSON
    pulled += report["pulled"].get<int>();
    pushed += report["pushed"].get<int>();
  }
  CHECK(pulled >= 1);
  CHECK(pushed >= 1);
}

TEST_CASE("CLI: watch --live against an older server watches at the interval, and says so",
          "[cli]") {
  // A server from before held pulls: /health has no held_pulls, and /changes answers at once.
  ScriptedServer old([](const std::string& line) {
    if (line.find("/api/v1/health") != std::string::npos)
      return ScriptedServer::http(200, R"({"protocol":1,"status":"ok","version":"0.0.9"})");
    if (line.find("/api/v1/changes") != std::string::npos)
      return ScriptedServer::http(
          200, R"({"changes":[],"next":"0","has_more":false,"head":0,"epoch":0})");
    return ScriptedServer::http(404, R"({"error":{"code":"not_found","message":"no"}})");
  });
  TempDir dir;
  pid_t pid = spawn_cli({"--db", dir.file("cli.db"), "--remote", old.url(), "--api-key", "k",
                         "watch", "--live", "--interval-minutes", "60"},
                        dir.file("out"), dir.file("err"));
  CHECK(wait_for(pid, [&] {
    return read_text_file(dir.file("err")).find("does not offer live sync") != std::string::npos &&
           read_text_file(dir.file("out")).find("sync ok") != std::string::npos;
  }));
  kill(pid, SIGTERM);
  CHECK(wait_child(pid, 10000) == 0);
  // No held pull was tried: only the interval watch's requests (health, then one sync's pull).
  CHECK(old.requests() <= 3);
}

TEST_CASE(
    "CLI: TLS is verified by default, --ca-file trusts a CA, --insecure is explicit and warns",
    "[cli][tls]") {
  TempDir dir;
  std::string cert = dir.file("server.crt"), key = dir.file("server.key");
  int code = -1;
  std::string out = run_program(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
       "-subj", "/CN=craftsync-cli-test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
      &code, true);
  INFO(out);
  REQUIRE(code == 0);
  ServerProcess server(server_args({"--tls-cert", cert, "--tls-key", key, "--quiet"}));
  REQUIRE(server.url().rfind("https://", 0) == 0);

  auto refused = run_cli(with_db(dir, server, {"--retries", "1", "test-connection"}));
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("certificate") != std::string::npos);

  auto trusted = run_cli(with_db(dir, server, {"--ca-file", cert, "--json", "test-connection"}));
  REQUIRE(trusted.exit_code == 0);
  CHECK(json::parse(trusted.out)["authenticated"] == true);
  CHECK(trusted.err.empty());

  auto insecure = run_cli(with_db(dir, server, {"--insecure", "--json", "sync"}));
  CHECK(insecure.exit_code == 0);
  CHECK(json::parse(insecure.out)["ok"] == true);
  CHECK(insecure.err.find("warning: TLS certificate verification is off") != std::string::npos);
}

namespace {

/// Runs the CLI as a user who may read but not write the database (root ignores file modes, so
/// as root the CLI runs as nobody instead).
CliResult run_cli_read_only(const std::string& db, std::vector<std::string> args) {
  std::vector<std::string> cmd;
  if (geteuid() == 0)
    cmd = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  cmd.push_back(cli_binary());
  cmd.push_back("--db");
  cmd.push_back(db);
  cmd.insert(cmd.end(), args.begin(), args.end());
  CliResult r;
  r.out = run_program(cmd, &r.exit_code);
  return r;
}

/// Runs the CLI with a file-size limit, as on a disk that fills up: writes past it fail with
/// EFBIG (SIGXFSZ is ignored, as it is inherited across exec).
CliResult run_cli_disk_full(std::vector<std::string> args, int kib) {
  std::string line =
      "trap '' XFSZ; ulimit -f " + std::to_string(kib) + "; exec '" + cli_binary() + "'";
  for (const auto& a : args) line += " '" + a + "'";
  CliResult r;
  r.out = run_program({"/bin/bash", "-c", line}, &r.exit_code);
  return r;
}

void check_one_json_error(const CliResult& r, int code) {
  INFO(r.out);
  CHECK(r.exit_code == code);
  json j = json::parse(r.out);  // stdout is exactly one JSON object
  REQUIRE(j.is_object());
  CHECK(j["ok"] == false);
  CHECK_FALSE(j["error"].get<std::string>().empty());
}

}  // namespace

TEST_CASE("CLI: with --json every failure is one JSON object, with the documented exit code",
          "[cli]") {
  ServerProcess server(server_args({"--seed-demo", "400", "--quiet"}));
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  std::string db = dir.file("cli.db");
  REQUIRE(run_cli(with_db(dir, server, {"create", "customers", "name=Before"})).exit_code == 0);
  // Readable by all, writable by nobody but root (and root runs the CLI as nobody).
  std::filesystem::permissions(db, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::group_read |
                                       std::filesystem::perms::others_read);

  SECTION("a read-only database") {
    auto sync = run_cli_read_only(
        db, {"--remote", server.url(), "--api-key", server.admin_key(), "--json", "sync"});
    check_one_json_error(sync, 2);  // a sync that could not complete
    auto create = run_cli_read_only(db, {"--json", "create", "customers", "name=After"});
    check_one_json_error(create, 1);  // a refused edit
    std::string why = json::parse(create.out)["error"];
    CHECK(why.find(db) != std::string::npos);
    CHECK(why.find("read-only") != std::string::npos);
  }
  SECTION("a disk that fills up during a first sync") {
    std::string fresh = dir.file("fresh.db");
    auto r = run_cli_disk_full({"--db", fresh, "--remote", server.url(), "--api-key",
                                server.admin_key(), "--json", "sync"},
                               600);  // the empty schema alone is ~370 KiB (16 KiB pages)
    check_one_json_error(r, 2);
    json j = json::parse(r.out);
    CHECK(j["pulled"].get<long long>() < 400);  // counts only what was committed
    // Nothing half-written: with room again, the same database syncs to the end.
    auto again = run_cli({"--db", fresh, "--remote", server.url(), "--api-key", server.admin_key(),
                          "--json", "sync"});
    REQUIRE(again.exit_code == 0);
    auto status = run_cli({"--db", fresh, "--json", "status"});
    CHECK(json::parse(status.out)["records"]["customers"] == 400);
  }
  SECTION("a bad command line") {
    auto r = run_cli({"--json", "sync", "--direction", "sideways"});
    check_one_json_error(r, 1);
    CHECK(run_cli({"--help"}).exit_code == 0);
  }
  SECTION("an unreachable server") {
    auto r = run_cli({"--db", db, "--remote", "http://127.0.0.1:9", "--api-key", "k", "--retries",
                      "1", "--json", "sync"});
    check_one_json_error(r, 2);
  }
}
