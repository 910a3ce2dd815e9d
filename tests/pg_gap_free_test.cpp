// Gap-free pulls on PostgreSQL while writers commit out of order, and writers that do not
// wait for each other.
//
// Revs come from a sequence (schema v5), so a transaction can take rev N, be overtaken by one
// that takes N+1 and commits first. A puller that served by rev alone would move past N and
// never see it. The server serves changes up to the commit horizon only (server/pg_horizon.hpp,
// docs/protocol.md), so it holds N+1 back until N has ended. The deterministic test shows both:
// what a rev-only reader sees, and what the server serves. All three tests fail when the
// horizon is taken out (checked by hand: with craftsync_horizon() answering `safe := newest`,
// the server served b early, and the randomized pullers missed changes).

#include <atomic>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "server/pg_schema.hpp"
#include "tests/support/pg_session.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;
using craftsync::new_uuid_v7;

namespace {

std::string insert_customer(const std::string& id, const std::string& name) {
  return "INSERT INTO customers (id, name) VALUES ('" + id + "', '" + name + "')";
}

std::vector<std::string> ids_of(const std::vector<json>& changes) {
  std::vector<std::string> ids;
  for (const auto& c : changes) ids.push_back(c["id"]);
  return ids;
}

}  // namespace

TEST_CASE("a puller never passes a rev that is still in flight", "[pg][gap-free]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  HttpClient http(server.url(), server.admin_key());

  PgSession first(db.location()), second(db.location()), reader(db.location());
  std::string a = new_uuid_v7(), b = new_uuid_v7();
  first.exec("BEGIN; " + insert_customer(a, "first"));  // takes its rev, does not commit yet
  // The second writer takes the next rev and commits while the first is still open: nothing
  // makes it wait (exec returns only once COMMIT has).
  second.exec("BEGIN; " + insert_customer(b, "second") + "; COMMIT");

  // A reader that served by rev alone would hand out b now, and later move past a's lower rev.
  CHECK(reader.exec("SELECT string_agg(entity_id, ',' ORDER BY rev) FROM change_log") == b);
  auto early = pull_all(http, "0");
  CHECK(early.empty());  // the server holds b back while a's rev is in flight
  CHECK(head_rev(http) == 0);

  first.exec("COMMIT");
  auto late = pull_all(http, "0");
  REQUIRE(ids_of(late) == std::vector<std::string>{a, b});
  CHECK(late[0]["rev"].get<std::int64_t>() < late[1]["rev"].get<std::int64_t>());
  CHECK(head_rev(http) == late[1]["rev"].get<std::int64_t>());
}

TEST_CASE("writers of different records commit concurrently; the same record waits its turn",
          "[pg][gap-free][concurrent]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  std::string x = new_uuid_v7(), y = new_uuid_v7();
  auto created =
      push(http, "dev-a",
           json::array({upsert(1, "customers", x, std::nullopt, customer_data("Original"))}));
  REQUIRE(created.json()["results"][0]["status"] == "applied");
  std::int64_t x_rev = created.json()["results"][0]["rev"];

  // An admin edits x in psql and leaves the transaction open: it holds x's row and a rev.
  PgSession admin(db.location()), monitor(db.location());
  admin.exec("BEGIN; UPDATE customers SET name = 'By hand' WHERE id = '" + x + "'");

  // A push of another record goes through while that transaction is open.
  auto other = push(http, "dev-b",
                    json::array({upsert(1, "customers", y, std::nullopt, customer_data("Other"))}));
  REQUIRE(other.status == 200);
  CHECK(other.json()["results"][0]["status"] == "applied");
  CHECK(pull_all(http, std::to_string(x_rev)).empty());  // y waits behind the admin's rev

  // A push of x itself waits for the admin's row lock, then is judged against the admin's
  // committed edit: a conflict, not a lost update.
  auto same = std::async(std::launch::async, [&] {
    HttpClient h(server.url(), server.admin_key());
    return push(h, "dev-c", json::array({upsert(1, "customers", x, x_rev, customer_data("Mine"))}));
  });
  // (The server's first round trip of a push: BEGIN, the author, then the locks, as EXECUTEs
  // of prepared statements; the device id is one of their arguments.)
  REQUIRE(wait_for_lock_waiter(monitor, "query LIKE '%''dev-c''%'") != 0);
  admin.exec("COMMIT");
  auto verdict = same.get();
  REQUIRE(verdict.status == 200);
  CHECK(verdict.json()["results"][0]["status"] == "conflict");
  CHECK(verdict.json()["results"][0]["server"]["name"] == "By hand");

  auto after = pull_all(http, std::to_string(x_rev));
  REQUIRE(after.size() == 2);
  CHECK(after[0]["id"] == x);
  CHECK(after[0]["data"]["name"] == "By hand");
  CHECK(after[1]["id"] == y);
}

TEST_CASE("randomized: SQL writers with random commit delays, pushers and pullers",
          "[pg][gap-free][randomized]") {
  TestDatabase db(DbKind::postgres);
  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));

  constexpr int kSqlWriters = 4, kTxns = 20, kPushers = 2, kBatches = 10, kPerBatch = 3;
  constexpr int kPullers = 3;
  std::atomic<int> writers_left{kSqlWriters + kPushers};
  std::atomic<int> writer_errors{0};
  std::mutex mu;
  std::set<std::string> committed, rolled_back;
  std::vector<std::thread> threads;

  for (int w = 0; w < kSqlWriters; ++w) {
    threads.emplace_back([&, w] {
      try {
        PgSession s(db.location());
        std::mt19937 rng(1000 + w);
        for (int t = 0; t < kTxns; ++t) {
          std::vector<std::string> ids = {new_uuid_v7()};
          if (rng() % 3 == 0) ids.push_back(new_uuid_v7());
          bool abort = rng() % 6 == 0;
          std::string sql = "BEGIN";
          for (const auto& id : ids) sql += "; " + insert_customer(id, "sql-" + std::to_string(w));
          s.exec(sql);
          // Hold the transaction open for 0-20 ms with its rev taken, then end it.
          s.exec("SELECT pg_sleep(" + std::to_string((rng() % 21) / 1000.0) + ")");
          s.exec(abort ? "ROLLBACK" : "COMMIT");
          std::lock_guard lock(mu);
          (abort ? rolled_back : committed).insert(ids.begin(), ids.end());
        }
      } catch (const std::exception&) {
        ++writer_errors;
      }
      --writers_left;
    });
  }
  for (int p = 0; p < kPushers; ++p) {
    threads.emplace_back([&, p] {
      HttpClient http(server.url(), server.admin_key());
      for (int b = 0; b < kBatches; ++b) {
        json batch = json::array();
        std::vector<std::string> ids;
        for (int i = 0; i < kPerBatch; ++i) {
          ids.push_back(new_uuid_v7());
          batch.push_back(upsert(b * kPerBatch + i + 1, "customers", ids.back(), std::nullopt,
                                 customer_data("push-" + std::to_string(p))));
        }
        auto a = push(http, "gap-pusher-" + std::to_string(p), batch);
        bool ok = a.status == 200;
        if (ok)
          for (const auto& r : a.json()["results"]) ok = ok && r["status"] == "applied";
        if (!ok) ++writer_errors;
        std::lock_guard lock(mu);
        committed.insert(ids.begin(), ids.end());
      }
      --writers_left;
    });
  }

  struct Seen {
    std::vector<std::pair<std::int64_t, std::string>> changes;
    bool errors = false;
  };
  std::vector<Seen> pulled(kPullers);
  for (int q = 0; q < kPullers; ++q) {
    threads.emplace_back([&, q] {
      HttpClient http(server.url(), server.admin_key());
      std::string cursor = "0";
      const std::string limit = std::to_string(q == 0 ? 3 : q == 1 ? 7 : 50);
      for (;;) {
        bool finished = writers_left == 0;  // read before the pass, so one more pass drains all
        for (bool more = true; more;) {
          auto a = http.get("/api/v1/changes?after=" + cursor + "&limit=" + limit);
          if (a.status != 200) {
            pulled[q].errors = true;
            return;
          }
          auto page = a.json();
          for (const auto& c : page["changes"])
            pulled[q].changes.emplace_back(c["rev"].get<std::int64_t>(),
                                           c["id"].get<std::string>());
          cursor = page["next"].get<std::string>();
          more = page["has_more"].get<bool>();
        }
        if (finished) return;
      }
    });
  }
  for (auto& t : threads) t.join();

  REQUIRE(writer_errors == 0);
  HttpClient http(server.url(), server.admin_key());
  auto everything = pull_all(http, "0");
  std::set<std::string> final_ids;
  for (const auto& c : everything) final_ids.insert(c["id"].get<std::string>());
  CHECK(final_ids == committed);  // every commit is in the log, no rollback is
  for (const auto& id : rolled_back) CHECK(final_ids.count(id) == 0);

  for (int q = 0; q < kPullers; ++q) {
    INFO("puller " << q);
    const auto& seen = pulled[q].changes;
    CHECK_FALSE(pulled[q].errors);
    bool ordered = true;
    for (std::size_t i = 1; i < seen.size(); ++i)
      ordered = ordered && seen[i].first > seen[i - 1].first;
    CHECK(ordered);
    std::set<std::pair<std::int64_t, std::string>> seen_set(seen.begin(), seen.end());
    std::size_t missed = 0;
    for (const auto& c : everything)
      missed += seen_set.count({c["rev"].get<std::int64_t>(), c["id"].get<std::string>()}) == 0;
    CHECK(missed == 0);
    CHECK(seen.size() == everything.size());  // and nothing twice, nothing extra
  }
}

namespace {

/// craftsync_db_round_trips_total from /metrics.
std::int64_t round_trips(HttpClient& http) {
  auto m = http.get("/metrics");
  REQUIRE(m.status == 200);
  const std::string series = "\ncraftsync_db_round_trips_total ";
  auto at = m.body.find(series);
  REQUIRE(at != std::string::npos);
  return std::stoll(m.body.substr(at + series.size()));
}

}  // namespace

TEST_CASE("a push batch costs two round trips to PostgreSQL, and its verdicts are exact",
          "[pg][round-trips]") {
  TestDatabase db(DbKind::postgres);
  // One worker thread, so one pooled connection: every statement it prepares stays prepared.
  // The key, once found, is remembered for the whole test.
  ServerProcess server(server_on(db.location(), "test-admin-key-0123",
                                 {"--quiet", "--threads", "1", "--key-cache-ms", "60000"}));
  HttpClient http(server.url(), server.admin_key());
  std::string parent = new_uuid_v7();
  auto warm =
      push(http, "dev-warm",
           json::array({upsert(1, "customers", parent, std::nullopt, customer_data("Parent")),
                        upsert(2, "quotes", new_uuid_v7(), std::nullopt, quote_data(parent))}));
  REQUIRE(warm.json()["results"][1]["status"] == "applied");

  // What one /metrics request costs by itself, measured between two of them.
  std::int64_t t0 = round_trips(http), t1 = round_trips(http);
  json batch = json::array();
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    ids.push_back(new_uuid_v7());
    batch.push_back(upsert(i + 1, "customers", ids.back(), std::nullopt,
                           customer_data("Batch " + std::to_string(i))));
  }
  // A quote of a customer made in the same batch (an FK check and an assigned number), and an
  // edit of the parent with a stale base rev (a conflict).
  std::string quote = new_uuid_v7();
  batch.push_back(upsert(9, "quotes", quote, std::nullopt, quote_data(ids[0])));
  batch.push_back(upsert(10, "customers", parent, 0, customer_data("Stale")));
  auto answer = push(http, "dev-batch", batch);
  std::int64_t t2 = round_trips(http);
  REQUIRE(answer.status == 200);
  INFO(answer.body);
  const json results = answer.json()["results"];
  REQUIRE(results.size() == 10);

  // BEGIN with the locks and the reads; then the writes, the verdicts and COMMIT. The quote's
  // number costs one more: the counter, and whether a hand-made row took that number. The key
  // costs none: it was found by the first request (KeyCache).
  CHECK((t2 - t1) - (t1 - t0) == 2 + 1);

  // The verdicts are what a statement-by-statement push gave: each its own record's rev.
  auto changes = pull_all(http, "0");
  std::map<std::string, std::int64_t> rev_of;
  for (const auto& c : changes) rev_of[c["id"]] = c["rev"];
  for (int i = 0; i < 8; ++i) {
    CHECK(results[i]["status"] == "applied");
    CHECK(results[i]["rev"] == rev_of[ids[i]]);
  }
  CHECK(results[8]["status"] == "applied");
  CHECK(results[8]["rev"] == rev_of[quote]);
  CHECK(results[8]["assigned"]["quote_number"].get<std::string>().find("Q-") == 0);
  CHECK(results[9]["status"] == "conflict");
  CHECK(results[9]["rev"] == rev_of[parent]);
  CHECK(answer.json()["device_max_seq"] == 10);

  // Sent again, the batch is answered from the recorded verdicts, revs included.
  auto again = push(http, "dev-batch", batch);
  REQUIRE(again.status == 200);
  for (int i = 0; i < 9; ++i) CHECK(again.json()["results"][i] == results[i]);
  CHECK(again.json()["results"][9]["status"] == "conflict");
}

// A session keeps the plans of the change-log trigger's statements from their first call, which
// on a new database comes while change_log is small. Version 7 looked the replaced revisions up
// by `entity_id = ANY(ids)`; planned over a small, analyzed change_log, that became a scan of
// the entity's whole index range with the ids as a filter, so every later write read every
// record of its table (seen: 2,000 to 7,600 rows read per batch of 10 in a push benchmark on a
// small database, at a seventh of the throughput). The counts of the session's own transaction
// tell.
TEST_CASE(
    "the change-log trigger reads the rows it replaces only, whatever the log's size when "
    "it was planned",
    "[pg][plans]") {
  TestDatabase db(DbKind::postgres);
  { ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"})); }
  PgSession s(db.location());
  s.exec(
      "INSERT INTO customers (id, name) SELECT 'seed-' || g, 'n' FROM generate_series(1, 25) g;"
      "ANALYZE");
  s.exec("INSERT INTO customers (id, name) VALUES ('first', 'plans made here')");
  s.exec(
      "INSERT INTO customers (id, name) SELECT 'bulk-' || g, 'n' "
      "FROM generate_series(1, 3000) g");
  const std::string fetched =
      "SELECT idx_tup_fetch + seq_tup_read FROM pg_stat_xact_user_tables "
      "WHERE relname = 'change_log'";
  auto rows_read = [&](const std::string& statement) {
    s.exec("BEGIN");
    std::int64_t before = std::stoll(s.exec(fetched));
    s.exec(statement);
    std::int64_t after = std::stoll(s.exec(fetched));
    s.exec("COMMIT");
    return after - before;
  };
  // Ten creates replace nothing; ten edits replace ten revisions.
  CHECK(rows_read("INSERT INTO customers (id, name) SELECT 'new-' || g, 'n' "
                  "FROM generate_series(1, 10) g") <= 10);
  CHECK(rows_read("UPDATE customers SET name = 'edited' WHERE id IN "
                  "(SELECT 'bulk-' || g FROM generate_series(1, 10) g)") <= 20);
  CHECK(s.exec("SELECT count(*) FROM record_history WHERE entity_id LIKE 'bulk-%'") == "10");
}

namespace {

/// The indexes in the server's schema that order text by a collation other than "C".
std::string text_indexes_not_bytewise(PgSession& s) {
  return s.exec(
      "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
      "JOIN pg_namespace n ON n.oid = t.relnamespace "
      "CROSS JOIN LATERAL unnest(i.indcollation::oid[]) AS k(coll) "
      "WHERE n.nspname = 'public' AND k.coll <> 0 "
      "AND k.coll <> (SELECT oid FROM pg_collation WHERE collname = 'C')");
}

}  // namespace

// Schema v9: keys compare bytewise. Under the database's collation each step down a B-tree
// of ids called strcoll(); on an en_US.UTF-8 database that cost pushes about an eighth of
// their throughput (docs/performance.md). A server upgrades an older database in place.
TEST_CASE("every text key compares bytewise, and an older database is upgraded in place",
          "[pg][collation]") {
  TestDatabase db(DbKind::postgres);
  std::string id;
  {
    ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
    HttpClient admin(server.url(), server.admin_key());
    auto made = admin.request("POST", "/api/v1/customers", R"({"name":"Collated"})");
    REQUIRE(made.status == 201);
    id = made.json()["id"];
  }
  PgSession s(db.location());
  CHECK(std::stoi(s.exec("SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                         "WHERE t.relname = 'change_log'")) >= 2);
  REQUIRE(text_indexes_not_bytewise(s) == "0");

  // What a version 8 server left: keys under the database's collation.
  s.exec(
      "ALTER TABLE change_log ALTER COLUMN entity TYPE text COLLATE \"default\", "
      "ALTER COLUMN entity_id TYPE text COLLATE \"default\"; "
      "ALTER TABLE customers ALTER COLUMN id TYPE text COLLATE \"default\"; "
      "ALTER TABLE quotes ALTER COLUMN customer_id TYPE text COLLATE \"default\"; "
      "UPDATE schema_version SET version = 8");
  REQUIRE(text_indexes_not_bytewise(s) != "0");

  // A view over a key column stops the upgrade, with PostgreSQL's reason, and changes nothing.
  s.exec("CREATE VIEW customer_names AS SELECT id, name FROM customers");
  int code = 0;
  std::string out =
      run_server_command({"--db", db.location(), "--listen", "127.0.0.1:0"}, &code, true);
  CHECK(code == 1);
  CHECK(out.find("used by a view") != std::string::npos);
  CHECK(s.exec("SELECT version FROM schema_version") == "8");
  CHECK(text_indexes_not_bytewise(s) != "0");
  s.exec("DROP VIEW customer_names");

  ServerProcess server(server_on(db.location(), "test-admin-key-0123", {"--quiet"}));
  CHECK(s.exec("SELECT version FROM schema_version") ==
        std::to_string(craftsync::server::kPgSchemaVersion));
  CHECK(text_indexes_not_bytewise(s) == "0");
  HttpClient admin(server.url(), server.admin_key());
  auto read = admin.get("/api/v1/customers/" + id);
  REQUIRE(read.status == 200);
  CHECK(read.json()["name"] == "Collated");
  auto edited = admin.request("PUT", "/api/v1/customers/" + id, R"({"city":"Bergen"})");
  CHECK(edited.status == 200);
  CHECK(s.exec("SELECT count(*) FROM record_history WHERE entity_id = '" + id + "'") == "1");
}
