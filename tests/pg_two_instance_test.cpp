// Two craftsync-server processes on one PostgreSQL database, with clients split between them
// pushing and pulling at once: they converge, with no lost or duplicated change, no lost
// update on a record both sides edit, and unique server numbers.

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "server/pg_notify.hpp"
#include "tests/support/held_pull.hpp"
#include "tests/support/pg_session.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;
using craftsync::new_uuid_v7;

namespace {

constexpr int kRounds = 8;

/// What a client knows after pulling: entity/id -> (rev, data).
using Replica = std::map<std::string, std::pair<std::int64_t, json>>;

struct ClientOutcome {
  Replica replica;
  std::vector<std::string> created, numbers;
  std::vector<std::pair<std::int64_t, std::int64_t>> shared_edits;  // (base rev, new rev)
  std::vector<std::string> problems;
  std::string cursor = "0";
  std::int64_t last_rev = 0;
};

/// Pulls from `cursor` to the end into `replica`, checking revs only ever grow.
void pull_into(HttpClient& http, ClientOutcome& out) {
  for (bool more = true; more;) {
    auto a = http.get("/api/v1/changes?after=" + out.cursor + "&limit=25");
    if (a.status != 200) {
      out.problems.push_back("pull answered " + std::to_string(a.status));
      return;
    }
    auto page = a.json();
    for (const auto& c : page["changes"]) {
      std::int64_t rev = c["rev"];
      if (rev <= out.last_rev) out.problems.push_back("rev went backwards or repeated");
      out.last_rev = rev;
      out.replica[c["entity"].get<std::string>() + "/" + c["id"].get<std::string>()] = {rev,
                                                                                        c["data"]};
    }
    out.cursor = page["next"].get<std::string>();
    more = page["has_more"].get<bool>();
  }
}

void run_client(const ServerProcess& server, int index, const std::string& shared_id,
                ClientOutcome& out) {
  HttpClient http(server.url(), server.admin_key());
  std::string device = "multi-" + std::to_string(index);
  std::int64_t seq = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::string c = new_uuid_v7(), q = new_uuid_v7(), o = new_uuid_v7();
    json batch =
        json::array({upsert(++seq, "customers", c, std::nullopt, customer_data(device)),
                     upsert(++seq, "quotes", q, std::nullopt, quote_data(c, "10.00", "accepted")),
                     upsert(++seq, "orders", o, std::nullopt, order_data(q, c))});
    auto a = push(http, device, batch);
    if (a.status != 200) {
      out.problems.push_back("push answered " + std::to_string(a.status));
      continue;
    }
    auto results = a.json()["results"];
    for (const auto& r : results) {
      if (r["status"] != "applied") out.problems.push_back("create not applied: " + r.dump());
      for (const char* f : {"quote_number", "order_number"})
        if (r["assigned"].contains(f)) out.numbers.push_back(r["assigned"][f]);
    }
    out.created.insert(out.created.end(), {"customers/" + c, "quotes/" + q, "orders/" + o});

    // Edit the record every client shares, from whatever rev this server shows now.
    auto current = http.get("/api/v1/customers/" + shared_id);
    if (current.status == 200) {
      std::int64_t base = current.json()["rev"];
      json edit = {{"city", device + "-" + std::to_string(round)}};
      auto e = push(http, device, json::array({upsert(++seq, "customers", shared_id, base, edit)}));
      if (e.status == 200 && e.json()["results"][0]["status"] == "applied")
        out.shared_edits.emplace_back(base, e.json()["results"][0]["rev"].get<std::int64_t>());
    }
    pull_into(http, out);
  }
}

}  // namespace

TEST_CASE("two servers on one database: split clients converge", "[pg][multi-instance]") {
  TestDatabase db(DbKind::postgres);
  // Both start at once on the empty database: the schema is created exactly once.
  std::unique_ptr<ServerProcess> servers[2];
  std::exception_ptr start_error[2];
  {
    std::vector<std::thread> starting;
    for (int i = 0; i < 2; ++i)
      starting.emplace_back([&, i] {
        try {
          servers[i] = std::make_unique<ServerProcess>(
              server_on(db.location(), "test-admin-key-0123", {"--quiet", "--threads", "8"}));
        } catch (...) {
          start_error[i] = std::current_exception();
        }
      });
    for (auto& t : starting) t.join();
  }
  for (auto& e : start_error)
    if (e) std::rethrow_exception(e);

  HttpClient setup(servers[0]->url(), servers[0]->admin_key());
  std::string shared = new_uuid_v7();
  auto created =
      push(setup, "multi-setup",
           json::array({upsert(1, "customers", shared, std::nullopt, customer_data("Shared"))}));
  REQUIRE(created.json()["results"][0]["status"] == "applied");
  std::int64_t shared_rev0 = created.json()["results"][0]["rev"];

  constexpr int kClients = 6;
  std::vector<ClientOutcome> outcomes(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] { run_client(*servers[i % 2], i, shared, outcomes[i]); });
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {  // now that nobody writes, each catches up once more
    HttpClient http(servers[i % 2]->url(), servers[i % 2]->admin_key());
    pull_into(http, outcomes[i]);
  }

  HttpClient via_a(servers[0]->url(), servers[0]->admin_key());
  HttpClient via_b(servers[1]->url(), servers[1]->admin_key());
  auto log_a = pull_all(via_a), log_b = pull_all(via_b);
  CHECK(log_a == log_b);

  Replica truth;
  std::multiset<std::string> keys;
  for (const auto& c : log_a) {
    std::string key = c["entity"].get<std::string>() + "/" + c["id"].get<std::string>();
    keys.insert(key);
    truth[key] = {c["rev"].get<std::int64_t>(), c["data"]};
  }
  std::set<std::string> expected = {"customers/" + shared};
  std::vector<std::string> numbers;
  std::vector<std::pair<std::int64_t, std::int64_t>> edits;
  for (int i = 0; i < kClients; ++i) {
    INFO("client " << i << " on server " << i % 2);
    const auto& o = outcomes[i];
    INFO("first problem: " << (o.problems.empty() ? "none" : o.problems.front()));
    CHECK(o.problems.empty());
    CHECK(o.replica == truth);  // converged: every record at the same rev with the same data
    expected.insert(o.created.begin(), o.created.end());
    numbers.insert(numbers.end(), o.numbers.begin(), o.numbers.end());
    edits.insert(edits.end(), o.shared_edits.begin(), o.shared_edits.end());
  }
  // No lost change, none twice.
  CHECK(keys.size() == expected.size());
  CHECK(std::set<std::string>(keys.begin(), keys.end()) == expected);
  // Server numbers: one per quote and order, all different.
  CHECK(numbers.size() == static_cast<std::size_t>(kClients * kRounds * 2));
  CHECK(std::set<std::string>(numbers.begin(), numbers.end()).size() == numbers.size());
  // No lost update on the shared record: the applied edits form one chain of revs, each based
  // on the one before, however the clients were split between the servers.
  std::sort(edits.begin(), edits.end(), [](auto& x, auto& y) { return x.second < y.second; });
  REQUIRE_FALSE(edits.empty());
  std::int64_t expected_base = shared_rev0;
  for (const auto& [base, rev] : edits) {
    CHECK(base == expected_base);
    expected_base = rev;
  }
  CHECK(truth["customers/" + shared].first == expected_base);
}

TEST_CASE("two instances: a write through one instance wakes a pull held on another", "[live]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess a(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  ServerProcess b(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  HttpClient on_a(a.url(), a.admin_key()), on_b(b.url(), b.admin_key());
  std::int64_t head = head_rev(on_b);
  HeldPull pull(b, head, 60);
  wait_until_held(on_b, 1);
  json ada = created(on_a, "Ada");
  HttpAnswer& answer = pull.answer();
  REQUIRE(answer.status == 200);
  REQUIRE(answer.json()["changes"].size() == 1);
  CHECK(answer.json()["changes"][0]["id"] == ada["id"]);
  CHECK(metric(on_b, R"(craftsync_held_pulls_total{outcome="woken"})") == 1);
}

// Schema 10. In PostgreSQL every committing transaction that NOTIFYs takes one database-wide
// lock in turn, held from before its commit record until after it: with the trigger's NOTIFY
// inside every push, concurrent pushes queued there (about one backend in five, sampled at 8
// clients). A transaction that sets craftsync.quiet leaves its NOTIFY to the server's notifier
// (server/pg_notify.hpp); any other writer still NOTIFYs from the trigger.
TEST_CASE("a transaction that sets craftsync.quiet sends no NOTIFY, SQL typed by hand does",
          "[pg][notify]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  json ada = created(admin, "Ada");
  std::string id = ada["id"];
  PgSession listener(db.location());
  listener.exec("LISTEN craftsync_changes");

  // Notifications arrive in commit order: the quiet writer's would come first.
  PgSession quiet(db.location()), by_hand(db.location());
  quiet.exec(
      "BEGIN; SET LOCAL craftsync.quiet = 'on'; UPDATE customers SET city = 'Bergen' "
      "WHERE id = '" +
      id + "'; COMMIT");
  by_hand.exec("UPDATE customers SET city = 'Tromso' WHERE id = '" + id + "'");
  // (Any other sender, e.g. a server notifier, is passed over; the quiet writer never sends.)
  std::vector<int> senders;
  while (senders.empty() || senders.back() != by_hand.backend_pid()) {
    int from = listener.next_notification(std::chrono::seconds(20));
    REQUIRE(from != 0);
    senders.push_back(from);
  }
  CHECK(std::find(senders.begin(), senders.end(), quiet.backend_pid()) == senders.end());
  auto page = admin.get("/api/v1/changes?after=" + std::to_string(ada["rev"].get<std::int64_t>()));
  REQUIRE(page.status == 200);
  REQUIRE(page.json()["changes"].size() == 1);
  CHECK(page.json()["changes"][0]["data"]["city"] == "Tromso");
}

// The notifier in-process, with a gap no test outlasts: the first write after a quiet spell
// NOTIFYs itself; one within the gap is quiet, and its NOTIFY waits for the gap to pass (here,
// for the notifier to stop, which sends what it owes).
TEST_CASE("the notifier: a write after a quiet spell NOTIFYs itself, later ones are coalesced",
          "[pg][notify]") {
  TestDatabase db(DbKind::postgres);
  PgSession listener(db.location());
  listener.exec("LISTEN craftsync_changes");
  {
    craftsync::server::PgChangeNotifier notifier(db.location(), std::chrono::hours(1));
    CHECK_FALSE(notifier.quiet());
    CHECK(notifier.quiet());
    CHECK(notifier.quiet());
    notifier.changed();
    notifier.changed();
    CHECK(listener.next_notification(std::chrono::milliseconds(200)) == 0);
  }
  CHECK(listener.next_notification(std::chrono::seconds(20)) != 0);
  CHECK(listener.next_notification(std::chrono::milliseconds(200)) == 0);
}
