// A client database restored from a backup, or copied to a second laptop, reuses sequence
// numbers; and a server database restored from a backup rewinds its change log. Both are done
// here by copying real database files, and nothing may be lost.

#include <catch2/catch.hpp>

#include "tests/support/convergence.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_checks.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

std::string customer(TestClient& c, const std::string& name) {
  return c.records().create(Entity::customers, {{"name", name}, {"city", "Oslo"}})["id"];
}

bool on_server(const ServerProcess& s, const std::string& entity, const std::string& id) {
  craftsync::test::HttpClient http(s.url(), s.admin_key());
  return http.get("/api/v1/" + entity + "/" + id).status == 200;
}

}  // namespace

TEST_CASE("a client database put back from a backup loses no new write", "[sync][restore]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server);
  customer(laptop, "Before Backup");
  require_ok(laptop.sync());
  TempDir backups;
  std::string backup = backups.file("laptop.db");
  laptop.backup_to(backup);
  std::string device_before = laptop.engine().device_id();

  std::string a = customer(laptop, "Created After Backup");
  require_ok(laptop.sync());
  REQUIRE(on_server(server, "customers", a));

  laptop.restore_from(backup);
  std::string b = customer(laptop, "Created After Restore");
  SyncReport r = laptop.sync();
  require_ok(r);
  CHECK(r.forks == 1);
  CHECK(r.notice.find("restored from a backup or copied") != std::string::npos);

  CHECK(on_server(server, "customers", b));  // B reached the server...
  CHECK(on_server(server, "customers", a));  // ...and A, made after the backup, came back
  CHECK(laptop.row(Entity::customers, a)["name"] == "Created After Backup");
  CHECK(laptop.engine().device_id() != device_before);
  StatusReport s = laptop.engine().status();
  CHECK(s.fork.count == 1);
  CHECK(s.fork.previous_device_id == device_before);
  CHECK(s.to_json()["device_forked"]["reason"].get<std::string>().find("seq") != std::string::npos);
  CHECK(laptop.engine().runs(1).front().notice.find("restored") != std::string::npos);

  SECTION("a later edit of B goes to the server and B stays") {
    laptop.records().update(Entity::customers, b, {{"phone", "555-0199"}});
    require_ok(laptop.sync());
    CHECK(laptop.row(Entity::customers, b)["phone"] == "555-0199");
    craftsync::test::HttpClient http(server.url(), server.admin_key());
    CHECK(http.get("/api/v1/customers/" + b).json()["phone"] == "555-0199");
  }
  require_converged(server, laptop);
}

TEST_CASE("a restore that reuses no seq is found from the server's highest seq",
          "[sync][restore]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient laptop(server);
  require_ok(laptop.sync());
  TempDir backups;
  std::string backup = backups.file("laptop.db");
  laptop.backup_to(backup);
  // After the backup: three creates, one of them deleted before it was ever sent, so the seq
  // counter moves past seqs that the server never sees.
  std::string gone = customer(laptop, "Never Sent");
  laptop.records().remove(Entity::customers, gone);
  customer(laptop, "Sent One");
  customer(laptop, "Sent Two");
  require_ok(laptop.sync());
  std::string device_before = laptop.engine().device_id();

  laptop.restore_from(backup);
  // The restored database uses seq 1 next: the hole the server never saw. Only the server's
  // highest seq (3) tells that this database is behind.
  std::string fresh = customer(laptop, "After Restore");
  SyncReport r = laptop.sync();
  require_ok(r);
  CHECK(on_server(server, "customers", fresh));
  CHECK(r.forks == 1);
  CHECK(laptop.engine().device_id() != device_before);
  CHECK(laptop.engine().status().fork.reason.find("has used only") != std::string::npos);

  std::string next = customer(laptop, "Next Under New Id");
  require_ok(laptop.sync());
  CHECK(on_server(server, "customers", next));
  require_converged(server, laptop);
}

TEST_CASE("a client database copied to a second laptop: writes of both copies survive",
          "[sync][restore]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient first(server);
  std::string shared = customer(first, "Shared Customer");
  require_ok(first.sync());
  first.close();
  TestClient second(server, first.db_path());
  first.open();
  REQUIRE(second.engine().device_id() == first.engine().device_id());

  // Both copies make creates and updates with the same next seqs.
  std::string c1 = customer(first, "Made On First");
  first.records().update(Entity::customers, shared, {{"phone", "111"}});
  std::string c2 = customer(second, "Made On Second");
  second.records().update(Entity::customers, shared, {{"city", "Bergen"}});
  require_ok(first.sync());
  SyncReport r = second.sync();
  require_ok(r);
  CHECK(r.forks == 1);
  CHECK(second.engine().device_id() != first.engine().device_id());
  require_ok(first.sync());

  for (TestClient* c : {&first, &second}) {
    CHECK(c->row(Entity::customers, c1)["name"] == "Made On First");
    CHECK(c->row(Entity::customers, c2)["name"] == "Made On Second");
    CHECK(c->row(Entity::customers, shared)["phone"] == "111");
    CHECK(c->row(Entity::customers, shared)["city"] == "Bergen");
  }
  // The copies keep working independently afterwards.
  std::string c3 = customer(first, "Later On First");
  std::string c4 = customer(second, "Later On Second");
  require_ok(first.sync());
  require_ok(second.sync());
  require_ok(first.sync());
  CHECK(on_server(server, "customers", c3));
  CHECK(on_server(server, "customers", c4));
  require_converged(server, first);
  require_converged(server, second);
}

TEST_CASE("a server database put back from a backup: clients re-snapshot and keep their outbox",
          "[sync][restore]") {
  TempDir dir;
  if (testing_postgres()) return;  // a file copy is the SQLite way; see the after-restore test
  std::string db = dir.file("server.db"), backup = dir.file("server-backup.db");
  std::string early, late, offline;
  TempDir client_dir;
  {
    ServerProcess server(server_on(db, "test-admin-key-0123", {"--quiet"}));
    TestClient c(server);
    early = customer(c, "Early");
    require_ok(c.sync());
    direct_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    std::filesystem::copy_file(db, backup);
    late = customer(c, "Late");
    require_ok(c.sync());
    c.close();
    std::filesystem::copy_file(c.db_path(), client_dir.file("c.db"));
    server.stop();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  std::filesystem::copy_file(backup, db);

  ServerProcess server(server_on(db, "test-admin-key-0123", {"--quiet"}));
  TestClient c(server, client_dir.file("c.db"));
  offline = customer(c, "Made While Server Was Down");
  SyncReport r = c.sync();
  require_ok(r);
  CHECK(r.resynced);
  CHECK(on_server(server, "customers", offline));  // the outbox survived the re-snapshot
  CHECK(on_server(server, "customers", early));
  require_converged(server, c);
}

TEST_CASE("craftsync-server after-restore: every older cursor re-snapshots, no rev is reused",
          "[sync][restore]") {
  TestDatabase db;
  std::string early, late;
  TempDir client_dir;
  std::int64_t head_before = 0;
  {
    ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
    TestClient c(server);
    early = customer(c, "Early");
    late = customer(c, "Late");
    require_ok(c.sync());
    craftsync::test::HttpClient http(server.url(), server.admin_key());
    head_before = head_rev(http);
    c.close();
    std::filesystem::copy_file(c.db_path(), client_dir.file("c.db"));
    server.stop();
  }
  int code = -1;
  std::string out = run_server_command({"after-restore", "--db", db.location()}, &code);
  REQUIRE(code == 0);
  CHECK(out.find("re-snapshots") != std::string::npos);

  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  craftsync::test::HttpClient http(server.url(), server.admin_key());
  auto gone = http.get("/api/v1/changes?after=" + std::to_string(head_before));
  CHECK(gone.status == 410);
  CHECK(gone.json()["error"]["reason"] == "restored");
  CHECK(gone.json()["error"]["restored_head"] == head_before);
  CHECK(http.get("/api/v1/changes?after=0").status == 200);

  TestClient c(server, client_dir.file("c.db"));
  std::string offline = customer(c, "Offline");
  SyncReport r = c.sync();
  require_ok(r);
  CHECK(r.resynced);
  CHECK(on_server(server, "customers", offline));
  CHECK(head_rev(http) > head_before + 1000000);  // new revs are far past any old cursor
  require_converged(server, c);
}
