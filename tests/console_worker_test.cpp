// The console's worker thread with a real engine against the real server on loopback: launch
// sync, paging, edits through the outbox, conflicts, cancel, stop, offline and auth errors,
// settings and the connection test. These also run under ThreadSanitizer in CI.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "app/console/worker.hpp"
#include "app/console/worker_clock.hpp"
#include "core/client_config.hpp"
#include "core/clock.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_engine.hpp"
#include "tests/support/http.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_client.hpp"
#include "tests/support/worker_waiter.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;
using nlohmann::json;

namespace {

WorkerOptions options_for(const std::string& db, const std::string& url, const std::string& key,
                          SnapshotWaiter& waiter) {
  WorkerOptions o;
  o.db_path = db;
  o.remote.url = url;
  o.remote.api_key = key;
  o.remote.max_attempts = 2;
  o.remote.backoff_base_ms = 20;
  o.remote_view.url = url;
  o.remote_view.api_key = key;
  o.remote_view.source = "command line";
  o.wake = waiter.wake();
  o.allow_live_sync = false;  // these tests sync by hand; live sync has its own test below
  return o;
}

bool idle(const Snapshot& s) {
  return s.loaded && !s.launch_sync_pending && !s.sync.running && !s.testing_connection;
}

bool has_event(const Snapshot& s, const std::string& text) {
  if (!s.events) return false;
  for (const auto& e : *s.events)
    if (e.text.find(text) != std::string::npos) return true;
  return false;
}

TableQuery customers(std::int64_t offset, std::int64_t limit) {
  TableQuery q;
  q.entity = Entity::customers;
  q.offset = offset;
  q.limit = limit;
  return q;
}

}  // namespace

TEST_CASE("worker: the launch sync pulls the server's data, tables page in off the UI thread",
          "[console][worker][pull]") {
  ServerProcess server(server_args({"--seed-demo", "40", "--quiet"}));
  TempDir dir;
  SnapshotWaiter waiter;
  Worker worker(options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter));
  worker.start();
  SnapshotPtr s =
      waiter.wait(worker, [](const Snapshot& s) { return idle(s) && s.runs && !s.runs->empty(); });
  REQUIRE(s);
  CHECK(s->status.records[0] == 40);
  REQUIRE(s->runs->size() == 1);
  CHECK(s->runs->front().trigger == "launch");
  CHECK(s->runs->front().ok);
  CHECK(s->connection.link == Link::online);
  CHECK(s->next_auto_sync_ms > 0);  // auto-sync is on by default

  worker.send(BrowseTable{customers(10, 20)});
  s = waiter.wait(worker,
                  [](const Snapshot& s) { return s.pages[0] && s.pages[0]->query.offset == 10; });
  REQUIRE(s->pages[0]);
  CHECK(s->pages[0]->total == 40);
  REQUIRE(s->pages[0]->rows.size() == 20);
  for (const auto& r : s->pages[0]->rows) CHECK(r.state == "synced");

  std::string id = s->pages[0]->rows.front().id;
  worker.send(ShowRecord{Entity::customers, id});
  s = waiter.wait(worker, [&](const Snapshot& s) { return s.detail && s.detail->id == id; });
  REQUIRE(s->detail);
  CHECK(s->detail->found);
  REQUIRE(s->detail->sync);
  CHECK(s->detail->sync->remote_version.has_value());
  CHECK(s->detail->outbox.empty());
  CHECK(s->commands_done == worker.commands_sent());

  // A customer's quotes and orders are counted with its detail, as the local tables have them.
  SqliteConn direct(dir.file("client.db"), 5000);
  auto st = direct.prepare(
      "SELECT customer_id, count(*) FROM quotes GROUP BY customer_id ORDER BY count(*) DESC "
      "LIMIT 1");
  REQUIRE(st.step());
  std::string parent = st.text_at(0);
  std::int64_t quotes = st.int_at(1);
  worker.send(ShowRecord{Entity::customers, parent});
  s = waiter.wait(worker, [&](const Snapshot& s) { return s.detail && s.detail->id == parent; });
  REQUIRE(s->detail);
  REQUIRE_FALSE(s->detail->dependents.empty());
  CHECK(s->detail->dependents[0] == std::pair<Entity, std::int64_t>{Entity::quotes, quotes});
  // By name, with the records that refer to it listed as links.
  auto name_st = direct.prepare("SELECT name FROM customers WHERE id = ?1");
  name_st.bind(1, std::string_view(parent));
  REQUIRE(name_st.step());
  std::string parent_name = name_st.text_at(0);
  CHECK(s->detail->name == parent_name);
  CHECK(static_cast<std::int64_t>(s->detail->referred_by.size()) >= quotes);
  CHECK(s->detail->referred_by.front().entity == Entity::quotes);

  // The quote table names each quote's customer, sorts in SQL, and a search finds quotes by
  // their customer's name.
  TableQuery q;
  q.entity = Entity::quotes;
  q.sort = "customer_id";
  q.search = parent_name;
  worker.send(BrowseTable{q});
  s = waiter.wait(
      worker, [&](const Snapshot& s) { return s.pages[1] && s.pages[1]->query.same_filter(q); });
  REQUIRE(s->pages[1]);
  CHECK(s->pages[1]->total >= quotes);
  REQUIRE_FALSE(s->pages[1]->rows.empty());
  std::size_t ref = static_cast<std::size_t>(find_field(Entity::quotes, "customer_id") -
                                             fields_of(Entity::quotes).data());
  for (const auto& r : s->pages[1]->rows)
    CHECK(r.names.at(ref).find(parent_name) != std::string::npos);

  q.search.clear();
  q.sort = "total_amount";
  q.descending = true;
  worker.send(BrowseTable{q});
  s = waiter.wait(
      worker, [&](const Snapshot& s) { return s.pages[1] && s.pages[1]->query.same_filter(q); });
  std::size_t amount = static_cast<std::size_t>(find_field(Entity::quotes, "total_amount") -
                                                fields_of(Entity::quotes).data());
  const auto& rows = s->pages[1]->rows;
  REQUIRE(rows.size() > 2);
  for (std::size_t i = 1; i < rows.size(); ++i)
    CHECK(std::stod(rows[i - 1].cells[amount]) >= std::stod(rows[i].cells[amount]));

  // A picker's search: customers by name, a quote with its customer.
  worker.send(FindChoices{Entity::customers, parent_name.substr(0, 4)});
  s = waiter.wait(worker, [&](const Snapshot& s) {
    return s.choices && s.choices->entity == Entity::customers;
  });
  REQUIRE_FALSE(s->choices->items.empty());
  bool found = false;
  for (const Choice& c : s->choices->items) found = found || c.id == parent;
  CHECK(found);
  worker.send(FindChoices{Entity::quotes, ""});
  s = waiter.wait(
      worker, [&](const Snapshot& s) { return s.choices && s.choices->entity == Entity::quotes; });
  REQUIRE_FALSE(s->choices->items.empty());
  CHECK_FALSE(s->choices->items.front().customer_id.empty());
  CHECK_FALSE(s->choices->items.front().customer_name.empty());
}

TEST_CASE("worker: an edit waits in the outbox and Sync Now pushes it", "[console][worker][push]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter);
  o.allow_launch_sync = false;
  Worker worker(o);
  worker.start();
  SnapshotPtr s = waiter.wait(worker, idle);
  REQUIRE(s);
  CHECK((s->runs && s->runs->empty()));  // no launch sync when it is not allowed

  worker.send(CreateRecord{Entity::customers, {{"name", "Console Customer"}, {"city", "Bend"}}});
  s = waiter.wait(worker, [](const Snapshot& s) { return s.detail && s.detail->found; });
  REQUIRE((s && s->detail && s->detail->found));
  std::string id = s->detail->id;
  // The notice (and so the toast) names the record; the id goes with it for hover and copy.
  CHECK(has_event(*s, "Created customers: Console Customer"));
  CHECK(s->events->back().record_id == id);
  REQUIRE(s->detail->sync);
  CHECK(s->detail->sync->state == "pending");
  CHECK(s->detail->outbox.size() == 1);
  CHECK(s->status.pending == 1);

  worker.send(SyncNow{});
  s = waiter.wait(worker,
                  [](const Snapshot& s) { return idle(s) && s.runs && s.runs->size() == 1; });
  REQUIRE(s);
  CHECK(s->runs->front().ok);
  CHECK(s->runs->front().pushed == 1);
  CHECK(s->detail->sync->state == "synced");
  CHECK(s->detail->outbox.empty());
  craftsync::test::HttpClient http(server.url(), server.admin_key());
  auto answer = http.get("/api/v1/customers/" + id);
  REQUIRE(answer.status == 200);
  CHECK(answer.json()["name"] == "Console Customer");

  worker.send(UpdateRecord{Entity::customers, id, {{"name", ""}}});  // the name is required
  s = waiter.wait(worker, [](const Snapshot& s) { return s.commands_done >= 3 && idle(s); });
  CHECK(has_event(*s, "name"));
  CHECK(s->detail->sync->state == "synced");  // the bad edit changed nothing
}

TEST_CASE(
    "worker: a conflict under the manual policy is listed, resolved, and the value restorable",
    "[console][worker][conflict]") {
  ServerProcess server(server_args({"--quiet"}));
  TestClient other(server);
  std::string id =
      other.records().create(Entity::customers, {{"name", "Shared"}, {"phone", "555-0000"}})["id"];
  REQUIRE(other.sync().ok);

  TempDir dir;
  SnapshotWaiter waiter;
  Worker worker(options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter));
  worker.start();
  SnapshotPtr s =
      waiter.wait(worker, [](const Snapshot& s) { return idle(s) && s.status.records[0] == 1; });
  REQUIRE(s);
  Settings manual = s->settings;
  manual.conflict_resolution = ConflictPolicy::manual;
  worker.send(SaveSettings{manual, false, "", ""});
  worker.send(UpdateRecord{Entity::customers, id, {{"phone", "555-1111"}}});
  s = waiter.wait(worker, [](const Snapshot& s) { return idle(s) && s.commands_done == 2; });
  CHECK(s->settings.conflict_resolution == ConflictPolicy::manual);

  other.records().update(Entity::customers, id, {{"phone", "555-2222"}});
  REQUIRE(other.sync().ok);
  worker.send(SyncNow{});
  s = waiter.wait(worker, [](const Snapshot& s) {
    return idle(s) && s.open_conflicts && s.open_conflicts->size() == 1;
  });
  REQUIRE((s && s->open_conflicts && s->open_conflicts->size() == 1));
  const ConflictRecord c = s->open_conflicts->front();  // a copy: `s` moves on below
  CHECK(c.entity_id == id);
  CHECK(c.fields == std::vector<std::string>{"phone"});
  CHECK(s->status.open_conflicts == 1);

  ResolveConflict keep;
  keep.conflict_id = c.id;
  keep.resolution.keep = Side::local;
  keep.sync_now = true;  // "and sync now", the dialog's default: no Sync Now needed
  worker.send(keep);
  s = waiter.wait(worker, [](const Snapshot& s) {
    return idle(s) && s.open_conflicts->empty() && s.runs && s.runs->size() == 3;
  });
  REQUIRE(s);
  CHECK(s->runs->front().trigger == "resolve");
  REQUIRE(s->resolved_conflicts->size() == 1);
  CHECK(s->resolved_conflicts->front().resolution.kind == Outcome::Kind::local);
  REQUIRE(other.sync().ok);
  CHECK(other.row(Entity::customers, id)["phone"] == "555-1111");

  // The server's value lost; it is kept and can be put back.
  worker.send(RestoreValue{c.id, Side::remote, "phone"});
  worker.send(ShowRecord{Entity::customers, id});
  s = waiter.wait(worker, [&](const Snapshot& s) {
    return s.detail && s.detail->id == id && idle(s) && s.commands_done == 6;
  });
  CHECK(s->detail->row["phone"] == "555-2222");
  CHECK(s->detail->sync->state == "pending");
}

TEST_CASE("worker: Sync Now pushes an offline outbox of several overlapped batches",
          "[console][worker][push]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  {
    SyncEngine offline(dir.file("client.db"));  // work done with no server, then closed
    for (int i = 0; i < 1600; ++i)
      offline.records().create(Entity::customers, {{"name", "Field " + std::to_string(i)}});
  }
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter);
  o.allow_launch_sync = false;
  Worker worker(o);
  worker.start();
  SnapshotPtr s = waiter.wait(worker, idle);
  REQUIRE(s);
  CHECK(s->status.pending == 1600);
  // Four batches of 500: each after the first goes on its own thread while the worker applies
  // the last one's verdicts (the part ThreadSanitizer watches here).
  worker.send(SyncNow{});
  s = waiter.wait(worker,
                  [](const Snapshot& s) { return idle(s) && s.runs && s.runs->size() == 1; });
  REQUIRE(s);
  CHECK(s->runs->front().ok);
  CHECK(s->runs->front().pushed == 1600);
  CHECK(s->status.pending == 0);
  craftsync::test::HttpClient http(server.url(), server.admin_key());
  CHECK(head_rev(http) == 1600);
}

TEST_CASE("worker: pages are served while a long sync runs, and Cancel stops it",
          "[console][worker][pull]") {
  ServerProcess server(server_args({"--seed-demo", "1500", "--quiet"}));
  TempDir dir;
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter);
  o.page_limit = 1;  // thousands of pages: a long sync (at 10 a page, it once ended in 77 ms)
  Worker worker(o);
  worker.start();
  SnapshotPtr s = waiter.wait(
      worker, [](const Snapshot& s) { return s.sync.running && s.sync.progress.records > 0; });
  REQUIRE((s && s->sync.running));

  worker.send(BrowseTable{customers(0, 50)});
  s = waiter.wait(worker, [](const Snapshot& s) { return s.pages[0] != nullptr; });
  REQUIRE(s->pages[0]);
  CHECK(s->sync.running);  // answered between pages, not after the sync
  CHECK(s->pages[0]->total > 0);

  worker.send(CancelSync{});
  s = waiter.wait(worker, [](const Snapshot& s) { return idle(s) && s.runs && !s.runs->empty(); });
  REQUIRE(s);
  INFO("the run took " << s->runs->front().duration_ms << " ms and pulled "
                       << s->runs->front().pulled);
  CHECK_FALSE(s->runs->front().ok);
  CHECK(s->runs->front().error == "cancelled");
  CHECK(has_event(*s, "Sync cancelled"));
  CHECK(s->connection.link != Link::offline);  // a cancel is not a network failure
}

TEST_CASE("worker: stopping during a sync cancels it and joins", "[console][worker]") {
  ServerProcess server(server_args({"--seed-demo", "1500", "--quiet"}));
  TempDir dir;
  {
    SnapshotWaiter waiter;
    WorkerOptions o = options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter);
    o.page_limit = 10;
    Worker worker(o);
    worker.start();
    SnapshotPtr s = waiter.wait(
        worker, [](const Snapshot& s) { return s.sync.running && s.sync.progress.records > 0; });
    REQUIRE((s && s->sync.running));
    worker.stop();
    worker.stop();  // idempotent
  }
  SyncEngine engine(dir.file("client.db"));
  auto runs = engine.runs(5);
  REQUIRE(runs.size() == 1);
  CHECK_FALSE(runs[0].ok);
  CHECK(runs[0].error == "cancelled");
  CHECK(engine.status().records[0] < 1500);
}

TEST_CASE("worker: an unreachable server is offline and retried, a refused key is an auth error",
          "[console][worker]") {
  TempDir dir;
  SECTION("offline, then the automatic retry") {
    SnapshotWaiter waiter;
    WorkerOptions o = options_for(dir.file("client.db"), "http://127.0.0.1:1", "k", waiter);
    o.remote.max_attempts = 1;
    o.offline_retry = std::chrono::seconds(30);
    auto clock = std::make_shared<ManualClock>(unix_now_ms());
    o.clock = clock;  // the retry fires when the test moves time on, not after a real wait
    const std::int64_t start = clock->now_ms();
    Worker worker(o);
    worker.start();
    SnapshotPtr s = waiter.wait(
        worker, [](const Snapshot& s) { return idle(s) && s.connection.link == Link::offline; });
    REQUIRE(s);
    CHECK(s->connection.link == Link::offline);
    CHECK(s->connection.retry_at_ms == start + 30000);
    CHECK(has_event(*s, "Offline"));

    // Not before its time: a command wakes the worker, which looks at its timers after it; once
    // a second command is done, that look is over, and there is still only the launch sync.
    clock->advance(std::chrono::seconds(29));
    worker.send(Refresh{});
    s = waiter.wait(worker, [](const Snapshot& s) { return s.commands_done == 1; });
    worker.send(Refresh{});
    s = waiter.wait(worker, [](const Snapshot& s) { return idle(s) && s.commands_done == 2; });
    REQUIRE(s->commands_done == 2);
    CHECK(s->runs->size() == 1);

    // Due: a command wakes the worker, and the retry runs after it, and fails offline again,
    // now with twice the delay.
    clock->advance(std::chrono::seconds(1));
    worker.send(Refresh{});
    s = waiter.wait(worker,
                    [](const Snapshot& s) { return idle(s) && s.runs && s.runs->size() >= 2; });
    REQUIRE(s->runs->size() == 2);
    CHECK(s->runs->front().trigger == "auto");
    CHECK(s->connection.link == Link::offline);
    CHECK(s->connection.retry_at_ms == start + 30000 + 60000);
  }
  SECTION("refused key") {
    ServerProcess server(server_args({"--quiet"}));
    SnapshotWaiter waiter;
    Worker worker(options_for(dir.file("client.db"), server.url(), "not-the-key", waiter));
    worker.start();
    SnapshotPtr s = waiter.wait(
        worker, [](const Snapshot& s) { return idle(s) && s.runs && !s.runs->empty(); });
    REQUIRE(s);
    CHECK(s->connection.link == Link::auth_error);
    CHECK(s->connection.retry_at_ms == 0);
  }
}

TEST_CASE("worker: a newly saved server is synced at once, as at launch", "[console][worker]") {
  ServerProcess server(server_args({"--seed-demo", "5", "--quiet"}));
  TempDir dir;
  ScopedEnv config("XDG_CONFIG_HOME", dir.file("config"));
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), "", "", waiter);
  o.remote_view = {};
  Worker worker(o);
  worker.start();
  SnapshotPtr s = waiter.wait(worker, idle);
  REQUIRE(s);
  REQUIRE(s->settings.sync_on_launch);  // the default
  worker.send(SaveSettings{s->settings, true, server.url(), server.admin_key()});
  s = waiter.wait(worker, [](const Snapshot& s) {
    return s.commands_done == 1 && idle(s) && s.runs && !s.runs->empty();
  });
  REQUIRE(s);
  CHECK(s->runs->front().trigger == "settings");
  CHECK(s->runs->front().ok);
  CHECK(s->connection.link == Link::online);  // not "not contacted yet"
  CHECK(s->status.records[0] == 5);
}

TEST_CASE("worker: settings are validated, a new server is saved to a 0600 config file",
          "[console][worker]") {
  ServerProcess server(server_args({"--seed-demo", "5", "--quiet"}));
  TempDir dir;
  ScopedEnv config("XDG_CONFIG_HOME", dir.file("config"));
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), "", "", waiter);
  o.remote_view = {};
  Worker worker(o);
  worker.start();
  SnapshotPtr s = waiter.wait(worker, idle);
  REQUIRE(s);
  CHECK(s->connection.link == Link::unconfigured);
  CHECK_FALSE(s->remote.configured());

  Settings wanted = s->settings;
  wanted.sync_interval_minutes = 45;
  wanted.sync_on_launch = false;
  worker.send(SaveSettings{wanted, true, server.url(), server.admin_key()});
  s = waiter.wait(worker, [](const Snapshot& s) { return s.commands_done == 1; });
  CHECK(s->settings.sync_interval_minutes == 45);
  CHECK(s->remote.configured());
  CHECK(s->remote.source == "config file");
  struct stat st {};
  REQUIRE(stat(config_file_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  ConfigFile file = read_config_file();
  CHECK(file.remote_url == server.url());
  CHECK(file.api_key == server.admin_key());

  wanted.sync_interval_minutes = 3;
  worker.send(SaveSettings{wanted, false, "", ""});
  worker.send(SyncNow{});
  s = waiter.wait(worker, [](const Snapshot& s) { return s.commands_done == 3 && idle(s); });
  CHECK(has_event(*s, "syncIntervalMinutes"));
  CHECK(s->settings.sync_interval_minutes == 45);  // the bad value was not stored
  REQUIRE(s->runs->size() == 1);                   // and the saved server works
  CHECK(s->runs->front().ok);
  CHECK(s->status.records[0] == 5);
}

TEST_CASE("worker: Test connection reports role, version and latency, without changing the server",
          "[console][worker]") {
  ServerProcess server(server_args({"--quiet"}));
  TempDir dir;
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter);
  o.allow_launch_sync = false;
  Worker worker(o);
  worker.start();
  worker.send(TestConnection{server.url(), server.admin_key()});
  SnapshotPtr s =
      waiter.wait(worker, [](const Snapshot& s) { return s.connection_test && idle(s); });
  REQUIRE(s->connection_test);
  CHECK(s->connection_test->reachable);
  CHECK(s->connection_test->authenticated);
  CHECK(s->connection_test->role == "admin");
  CHECK_FALSE(s->connection_test->server_version.empty());
  CHECK(s->connection_test->round_trip_ms > 0);
  CHECK(s->connection.link == Link::online);

  worker.send(TestConnection{server.url(), "wrong"});
  s = waiter.wait(worker, [](const Snapshot& s) { return s.commands_done == 2 && idle(s); });
  CHECK(s->connection_test->reachable);
  CHECK_FALSE(s->connection_test->authenticated);
  CHECK_FALSE(s->connection_test->error.empty());

  worker.send(SyncNow{});  // the trial key did not replace the real one
  s = waiter.wait(worker, [](const Snapshot& s) { return s.commands_done == 3 && idle(s); });
  REQUIRE(s->runs->size() == 1);
  CHECK(s->runs->front().ok);
}

TEST_CASE("worker: live sync shows a server change without a click and pushes an edit at once",
          "[console][worker][live]") {
  ServerProcess server(server_args({"--quiet"}));
  test::HttpClient admin(server.url(), server.admin_key());
  auto made = admin.post("/api/v1/customers", {{"name", "Ada"}, {"city", "Portland"}});
  REQUIRE(made.status == 201);
  std::string id = made.json()["id"];
  TempDir dir;
  SnapshotWaiter waiter;
  WorkerOptions o = options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter);
  o.allow_live_sync = true;  // as the console runs (the liveSync setting is on by default)
  Worker worker(o);
  worker.start();
  SnapshotPtr s = waiter.wait(worker, [](const Snapshot& s) {
    return idle(s) && s.connection.live && s.status.records[0] == 1;
  });
  REQUIRE(s);
  CHECK(s->settings.live_sync);
  worker.send(ShowRecord{Entity::customers, id});
  s = waiter.wait(worker, [&](const Snapshot& s) { return s.detail && s.detail->found; });
  REQUIRE(s);

  // A change made elsewhere shows in the inspector: no command is sent for it.
  std::uint64_t sent = worker.commands_sent();
  REQUIRE(admin.request("PUT", "/api/v1/customers/" + id, R"({"city":"Denver"})").status == 200);
  s = waiter.wait(worker, [&](const Snapshot& s) {
    return s.detail && s.detail->row.value("city", "") == "Denver";
  });
  REQUIRE(s);
  CHECK(worker.commands_sent() == sent);
  REQUIRE(s->runs);
  CHECK(s->runs->front().trigger == "live");

  // An edit here is pushed without Sync Now.
  worker.send(UpdateRecord{Entity::customers, id, {{"phone", "555-0100"}}});
  bool pushed = false;
  for (int i = 0; i < 6000 && !pushed; ++i) {
    auto now = admin.get("/api/v1/customers/" + id).json();
    pushed = now["phone"].is_string() && now["phone"] == "555-0100";
    if (!pushed) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // between looks
  }
  CHECK(pushed);

  // Live sync off: the held pull closes and the badge says so.
  Settings off = s->settings;
  off.live_sync = false;
  worker.send(SaveSettings{off, false, "", ""});
  s = waiter.wait(worker, [](const Snapshot& s) { return !s.settings.live_sync; });
  REQUIRE(s);
  CHECK_FALSE(s->connection.live);
}

TEST_CASE(
    "worker: Verify shows what differs, Repair fixes it, History lists revisions and "
    "Restore makes an edit",
    "[console][worker][verify][history]") {
  ServerProcess server(server_args({"--seed-demo", "30", "--quiet"}));
  TempDir dir;
  SnapshotWaiter waiter;
  Worker worker(options_for(dir.file("client.db"), server.url(), server.admin_key(), waiter));
  worker.start();
  SnapshotPtr s =
      waiter.wait(worker, [](const Snapshot& s) { return idle(s) && s.runs && !s.runs->empty(); });
  REQUIRE(s);
  REQUIRE(s->status.records[0] == 30);
  auto done = [&](std::uint64_t n) {
    return [n](const Snapshot& s) { return idle(s) && !s.verify.running && s.commands_done >= n; };
  };

  worker.send(VerifyNow{});
  s = waiter.wait(worker, done(worker.commands_sent()));
  REQUIRE(s->verify.report);
  CHECK(s->verify.report->ok);
  CHECK(s->verify.error.empty());

  // A row damaged behind the engine's back, through the sqlite3 shell.
  craftsync::test::HttpClient admin(server.url(), server.admin_key());
  std::string id = admin.get("/api/v1/customers?limit=1").json()["records"][0]["id"];
  std::string city = admin.get("/api/v1/customers/" + id).json()["city"];
  sqlite3_cli(dir.file("client.db"),
              "UPDATE customers SET city = 'Damaged' WHERE id = '" + id + "'");
  worker.send(VerifyNow{});
  s = waiter.wait(worker, done(worker.commands_sent()));
  REQUIRE(s->verify.report);
  CHECK_FALSE(s->verify.report->ok);
  REQUIRE(s->verify.report->entities.size() == 3);
  CHECK(s->verify.report->entities[0].differ == std::vector<std::string>{id});
  CHECK(has_event(*s, "1 record differs from the server"));
  worker.send(VerifyNow{true});
  s = waiter.wait(worker, done(worker.commands_sent()));
  REQUIRE(s->verify.report);
  CHECK(s->verify.report->ok);
  CHECK(s->verify.report->repaired == 1);

  // The server's history of that record, then an older version restored as a local edit.
  REQUIRE(admin.request("PUT", "/api/v1/customers/" + id, R"({"city":"Elsewhere"})").status == 200);
  worker.send(SyncNow{});
  worker.send(ShowHistory{Entity::customers, id});
  s = waiter.wait(worker, [&](const Snapshot& s) {
    return done(worker.commands_sent())(s) && s.history.history;
  });
  REQUIRE(s->history.history);
  CHECK(s->history.is_for(Entity::customers, id));
  const auto& revs = s->history.history->revisions;
  REQUIRE(revs.size() == 2);
  CHECK(revs[0].by == "admin:--api-key");
  CHECK(revs[1].by == "demo-seed");
  worker.send(RestoreVersion{Entity::customers, id, revs[1].rev,
                             restorable_fields(Entity::customers, revs[1].data)});
  worker.send(ShowRecord{Entity::customers, id});
  s = waiter.wait(worker, [&](const Snapshot& s) {
    return done(worker.commands_sent())(s) && s.detail && s.detail->id == id;
  });
  REQUIRE(s->detail);
  CHECK(s->detail->row["city"] == city);
  REQUIRE(s->detail->sync);
  CHECK(s->detail->sync->state == "pending");
  CHECK(has_event(*s, "Restored rev " + std::to_string(revs[1].rev)));

  worker.send(ShowHistory{Entity::customers, "0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b"});
  s = waiter.wait(worker, [&](const Snapshot& s) {
    return done(worker.commands_sent())(s) && !s.history.loading && !s.history.error.empty();
  });
  CHECK(s->history.error.find("no history") != std::string::npos);
}
