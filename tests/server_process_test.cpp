// The server as a process: start-up, shutdown, key management, seeding, schema checks.

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;

TEST_CASE("SIGTERM stops the server cleanly with exit code 0", "[process]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  REQUIRE(http.get("/api/v1/health").status == 200);
  CHECK(server.stop() == 0);
  HttpClient after(server.url());
  CHECK(after.get("/api/v1/health").status == 0);  // nobody listens any more
}

TEST_CASE("SIGTERM right after the listening line still stops the server", "[process]") {
  // The signal can land before the accept loop runs; the server must still exit, with 0.
  for (int i = 0; i < 25; ++i) {
    ServerProcess server(server_args({"--quiet"}));
    CHECK(server.stop() == 0);
  }
}

TEST_CASE("keys add prints a new key once, and keys list never shows it", "[process]") {
  TestDatabase fresh;
  const std::string& db = fresh.location();
  int code = -1;
  std::string key = run_server_command(
      {"keys", "add", "--role", "sync", "--label", "field-team", "--db", db}, &code);
  REQUIRE(code == 0);
  key.pop_back();
  CHECK(key.size() > 20);
  std::string list = run_server_command({"keys", "list", "--db", db}, &code);
  CHECK(code == 0);
  CHECK(list.find("sync") != std::string::npos);
  CHECK(list.find("field-team") != std::string::npos);
  CHECK(list.find(key) == std::string::npos);
  CHECK(direct_sql(db, "SELECT count(*) FROM api_keys WHERE key_hash = '" + key + "'") == "0\n");

  ServerProcess server(server_on(db, ""));
  HttpClient http(server.url(), key);
  CHECK(http.get("/api/v1/session").json()["role"] == "sync");
}

TEST_CASE("bad command lines fail with one clear line", "[process]") {
  TempDir dir;
  int code = 0;
  run_server_command({"--listen", "127.0.0.1:0"}, &code);
  CHECK(code != 0);
  run_server_command({"--db", dir.file("x.db"), "--listen", "nonsense"}, &code);
  CHECK(code != 0);
  run_server_command({"keys", "add", "--role", "root", "--db", dir.file("x.db")}, &code);
  CHECK(code != 0);
}

TEST_CASE("a database with a newer schema is refused", "[process]") {
  TestDatabase fresh;
  const std::string& db = fresh.location();
  { ServerProcess first(server_on(db)); }
  direct_sql(db, is_postgres_url(db) ? "UPDATE schema_version SET version = 99"
                                     : "PRAGMA user_version = 99");
  int code = 0;
  std::string out = run_server_command({"--db", db, "--listen", "127.0.0.1:0"}, &code, true);
  CHECK(code == 1);
  CHECK(out.find("newer than this server understands") != std::string::npos);
  CHECK(out.find("listening") == std::string::npos);
}

TEST_CASE("demo seeding is deterministic and runs only on an empty database", "[process][seed]") {
  ServerProcess a(server_args({"--seed-demo", "40", "--seed", "7", "--quiet"}));
  ServerProcess b(server_args({"--seed-demo", "40", "--seed", "7", "--quiet"}));
  HttpClient ha(a.url(), a.admin_key()), hb(b.url(), b.admin_key());
  auto ca = pull_all(ha), cb = pull_all(hb);
  REQUIRE(ca.size() > 40);
  CHECK(ca == cb);
  std::int64_t head = head_rev(ha);
  a.stop();
  ServerProcess again(
      server_on(a.db_path(), "test-admin-key-0123", {"--seed-demo", "40", "--quiet"}));
  HttpClient h(again.url(), again.admin_key());
  CHECK(head_rev(h) == head);
}

TEST_CASE("the listen backlog admits many clients connecting at once", "[process]") {
  // The old cpp-httplib core's backlog of 5 made the kernel drop SYNs from a burst of
  // clients, each then stalling a second; the Beast core listens with the system's maximum.
  ServerProcess server(server_args({"--quiet"}));
  int code = -1;
  std::string out =
      run_program({"/usr/bin/ss", "-Hltn", "sport = :" + std::to_string(server.port())}, &code);
  REQUIRE(code == 0);
  std::istringstream fields(out);
  std::string state;
  long recv_q = -1, send_q = -1;  // for a listening socket Send-Q is the backlog
  fields >> state >> recv_q >> send_q;
  CHECK(state == "LISTEN");
  CHECK(send_q >= 128);
}

TEST_CASE("keys and the database come from a file or the environment, and short keys are refused",
          "[process][secrets]") {
  TempDir dir;
  std::string key_file = dir.file("admin.key");
  std::ofstream(key_file) << "# the ops team\nfile-key-0123456789abc\n";
  chmod(key_file.c_str(), 0600);
  TestDatabase fresh;
  ServerOptions o = server_on(fresh.location(), "");
  o.extra_args = {"--api-key-file", key_file, "--quiet"};
  {
    ServerProcess server(o);
    HttpClient http(server.url(), "file-key-0123456789abc");
    CHECK(http.get("/api/v1/session").json()["role"] == "admin");
  }

  int code = 0;
  std::string out = run_server_command(
      {"--db", dir.file("x.db"), "--api-key", "short-key", "--listen", "127.0.0.1:0"}, &code, true);
  CHECK(code == 1);
  CHECK(out.find("the API key from --api-key is 9 characters; keys need at least 16") !=
        std::string::npos);
  CHECK(out.find("listening") == std::string::npos);

  chmod(key_file.c_str(), 0644);
  out = run_server_command({"--db", dir.file("x.db"), "--api-key-file", key_file, "keys", "list"},
                           &code, true);
  CHECK(code == 1);
  CHECK(out.find("is readable by every user") != std::string::npos);

  // $CRAFTSYNC_DB_URL stands for --db: the key the file made is in the database it names.
  setenv("CRAFTSYNC_DB_URL", fresh.location().c_str(), 1);
  std::string list = run_server_command({"keys", "list"}, &code);
  unsetenv("CRAFTSYNC_DB_URL");
  CHECK(code == 0);
  CHECK(list.find("--api-key-file") != std::string::npos);
  // Without either, the error names both.
  out = run_server_command({"keys", "list"}, &code, true);
  CHECK(code == 1);
  CHECK(out.find("no database: give --db or set $CRAFTSYNC_DB_URL") != std::string::npos);

  // --api-key still works, and says why it should not be used.
  out = run_server_command(
      {"--db", dir.file("y.db"), "--api-key", "long-enough-key-0123", "keys", "list"}, &code, true);
  CHECK(code == 0);
  CHECK(out.find("warning: --api-key shows the key to every user of this machine") !=
        std::string::npos);
}
