// The sync state's operations, the run journal and the entity SQL builder, on a real local
// database (in memory) with the engine's schema.

#include <catch2/catch.hpp>

#include "core/entity_sql.hpp"
#include "core/run_journal.hpp"
#include "core/sync_state.hpp"
#include "tests/support/local_db.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

TEST_CASE("sync state: the pull's fast path takes only records with no local work",
          "[sync_state]") {
  LocalDb l;
  SyncState& s = l.store.sync();
  CHECK_FALSE(s.has_remote_versions());
  CHECK(s.take_remote(kCustomers, kAda, 5, "2026-01-01T00:00:00Z", false));
  CHECK(s.has_remote_versions());
  CHECK(s.get(kCustomers, kAda)->remote_version == 5);
  CHECK(s.state_of(kCustomers, kAda) == "synced");

  CHECK_FALSE(s.take_remote(kCustomers, kAda, 5, "now", false));  // not newer
  CHECK_FALSE(s.take_remote(kCustomers, kAda, 4, "now", false));  // older
  CHECK(s.take_remote(kCustomers, kAda, 4, "now", true));         // a re-snapshot takes any rev
  CHECK(s.get(kCustomers, kAda)->remote_version == 4);

  s.note_local_edit(kCustomers, kAda, json{{"id", kAda}, {"name", "Ada"}});
  CHECK(s.state_of(kCustomers, kAda) == "pending");
  CHECK(s.get(kCustomers, kAda)->base["name"] == "Ada");
  CHECK_FALSE(s.take_remote(kCustomers, kAda, 9, "now", false));  // local work: reconcile it
  CHECK_FALSE(s.take_remote_delete(kCustomers, kAda, 9, false));
  CHECK(s.get(kCustomers, kAda)->remote_version == 4);

  CHECK(s.take_remote(kCustomers, kBob, 7, "now", false));
  CHECK(s.take_remote_delete(kCustomers, kBob, 8, false));
  CHECK_FALSE(s.get(kCustomers, kBob));
}

TEST_CASE("sync state: the outbox coalesces, windows by state and device, and forgets",
          "[sync_state]") {
  LocalDb l;
  SyncState& s = l.store.sync();
  json row = customer_row(kAda, "Ada", "Paris");
  s.note_local_edit(kCustomers, kAda, std::nullopt);
  s.enqueue(kCustomers, kAda, Op::upsert, row);
  row["city"] = "Lyon";
  s.enqueue(kCustomers, kAda, Op::upsert, row);  // queued: coalesced
  auto out = s.outbox_for(kCustomers, kAda);
  REQUIRE(out.size() == 1);
  CHECK(out[0].data["city"] == "Lyon");
  CHECK(s.last_used_seq() == 1);

  s.mark_sent(out[0].seq, "dev-a");
  CHECK(s.inflight_count() == 1);
  CHECK(s.oldest_inflight_device() == "dev-a");
  CHECK(s.inflight_window(kCustomers, "dev-a", 10).size() == 1);
  CHECK(s.inflight_window(kCustomers, "dev-b", 10).empty());
  CHECK(s.inflight_window(kCustomers, "dev-a'; DELETE FROM outbox; --", 10).empty());
  CHECK(s.queued_window(kCustomers, 0, 10).empty());

  row["city"] = "Nice";
  s.enqueue(kCustomers, kAda, Op::upsert, row);  // one in flight: a new entry
  REQUIRE(s.outbox_size() == 2);
  auto queued = s.queued_window(kCustomers, 0, 10);
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].seq == 2);
  CHECK(s.queued_window(kCustomers, 2, 10).empty());  // after its seq
  CHECK(s.queued_window(Entity::quotes, 0, 10).empty());

  s.rebase_entries(kCustomers, kAda, 12);
  for (const auto& o : s.outbox_for(kCustomers, kAda)) CHECK(o.base_rev == 12);
  s.requeue(out[0].seq);  // a fork: the server recorded nothing
  CHECK(s.inflight_count() == 0);
  CHECK(s.oldest_inflight_device() == std::nullopt);
  s.drop_queued(kCustomers, kAda);
  CHECK(s.outbox_size() == 0);

  // A delete of a record the server never had, with nothing in flight, is forgotten whole.
  s.note_local_edit(kCustomers, kBob, std::nullopt);
  s.enqueue(kCustomers, kBob, Op::upsert, customer_row(kBob, "Bob", "Rome"));
  s.enqueue(kCustomers, kBob, Op::remove, std::nullopt);
  CHECK_FALSE(s.get(kCustomers, kBob));
  CHECK(s.outbox_for(kCustomers, kBob).empty());
}

namespace {

/// The connection's prepared statement whose SQL holds `part` (the engine caches them).
sqlite3_stmt* statement_with(SqliteConn& db, std::string_view part) {
  for (sqlite3_stmt* st = sqlite3_next_stmt(db.handle(), nullptr); st;
       st = sqlite3_next_stmt(db.handle(), st))
    if (std::string_view(sqlite3_sql(st)).find(part) != std::string_view::npos) return st;
  return nullptr;
}

}  // namespace

// A push takes the outbox a window at a time. Each window used to gather every queued entry of
// the entity through the (entity_type, entity_id) index and sort them, so a push of N offline
// changes did N squared work. A window must read only its own entries, in seq order.
TEST_CASE("sync state: an outbox window reads its own entries, not the whole outbox",
          "[sync_state]") {
  LocalDb l;
  SyncState& s = l.store.sync();
  for (int i = 0; i < 2000; ++i) {
    std::string id = "019b76da-a800-73f1-956e-" + std::to_string(100000000000 + i);
    s.note_local_edit(kCustomers, id, std::nullopt);
    s.enqueue(kCustomers, id, Op::upsert, customer_row(id, "C" + std::to_string(i), "Paris"));
  }
  auto window = s.queued_window(kCustomers, 1500, 10);
  REQUIRE(window.size() == 10);
  CHECK(window.front().seq == 1501);
  CHECK(window.back().seq == 1510);
  sqlite3_stmt* st = statement_with(l.db, "state = 'queued'");
  REQUIRE(st != nullptr);
  CHECK(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0) == 0);
  // Ten rows cost a few hundred virtual-machine steps; a pass over 2,000 costs tens of thousands.
  CHECK(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0) < 1000);

  std::vector<std::int64_t> sent;
  for (const OutboxEntry& o : s.queued_window(kCustomers, 0, 20)) sent.push_back(o.seq);
  s.mark_sent(sent, "dev-a");  // a batch at once
  CHECK(s.inflight_count() == 20);
  CHECK(s.inflight_window(kCustomers, "dev-a", 5).size() == 5);
  sqlite3_stmt* inflight = statement_with(l.db, "state = 'inflight' AND");
  REQUIRE(inflight != nullptr);
  CHECK(sqlite3_stmt_status(inflight, SQLITE_STMTSTATUS_SORT, 0) == 0);
  s.remove_entries({sent.begin(), sent.begin() + 15});  // verdicts for 15 of them
  CHECK(s.inflight_count() == 5);
  CHECK(s.outbox_size() == 1985);
}

TEST_CASE("sync state: verdicts and decisions set the state, base and errors", "[sync_state]") {
  LocalDb l;
  SyncState& s = l.store.sync();
  json server = customer_row(kAda, "Ada", "Paris");
  s.set_conflict(kCustomers, kAda, 3, server);
  CHECK(s.state_of(kCustomers, kAda) == "conflict");
  CHECK(s.get(kCustomers, kAda)->base == server);

  s.mark_resolved(kCustomers, kAda, 3, server, true);
  auto info = s.get(kCustomers, kAda);
  CHECK(info->state == "pending");
  CHECK(info->base == server);
  CHECK(info->local_version == 1);
  s.mark_resolved(kCustomers, kAda, 4, server, false);
  info = s.get(kCustomers, kAda);
  CHECK(info->state == "synced");
  CHECK(info->base.is_null());
  CHECK(info->remote_version == 4);

  json errors = json::array({{{"field", "email"}, {"code", "invalid"}, {"message", "no @"}}});
  s.mark_rejected(kCustomers, kAda, errors);
  auto rejected = s.unsettled("rejected");
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].id == kAda);
  CHECK(rejected[0].errors == errors);
  CHECK(s.count_in_state("rejected") == 1);
  CHECK(s.count_in_state("pending") == 0);
  s.mark_retry(kCustomers, kAda);
  CHECK(s.state_of(kCustomers, kAda) == "pending");
  CHECK(s.get(kCustomers, kAda)->errors.empty());

  s.mark_delete_refused(kCustomers, kAda, 9, errors);
  info = s.get(kCustomers, kAda);
  CHECK(info->state == "rejected");
  CHECK(info->remote_version == 9);
  CHECK(info->base.is_null());  // the row is the server's

  s.mark_pending(kCustomers, kBob, 2, std::nullopt);
  CHECK(s.unsettled().size() == 2);
  CHECK(s.unsettled("", 1).size() == 1);
  s.mark_unchanged(kCustomers, kBob);
  CHECK(s.state_of(kCustomers, kBob) == "synced");
  s.forget_metadata(kCustomers, kBob);
  CHECK(s.state_of(kCustomers, kBob).empty());
}

TEST_CASE("sync state: a provisional number is noted and cleared", "[sync_state]") {
  LocalDb l;
  SyncState& s = l.store.sync();
  s.note_local_edit(Entity::quotes, kAda, std::nullopt, true);
  CHECK(s.get(Entity::quotes, kAda)->provisional_number);
  s.note_local_edit(Entity::quotes, kAda, std::nullopt);  // a later edit keeps it
  CHECK(s.get(Entity::quotes, kAda)->provisional_number);
  s.clear_provisional(Entity::quotes, kAda);
  CHECK_FALSE(s.get(Entity::quotes, kAda)->provisional_number);
}

TEST_CASE("run journal: a run is opened, finished and counted", "[run_journal]") {
  LocalDb l;
  RunJournal journal(l.db);
  SyncOptions options;
  options.trigger = "auto";
  SyncReport r;
  r.run_id = journal.start(options);
  CHECK(r.run_id > 0);
  CHECK(journal.statistics().total == 0);  // unfinished runs are not counted
  CHECK(journal.last_runs().last_sync_at.empty());
  CHECK_FALSE(journal.last_runs().last_attempt_at.empty());

  r.ok = true;
  r.pulled = 10;
  r.pushed = 2;
  r.notice = "forked";
  journal.finish(r);
  SyncReport failed;
  failed.run_id = journal.start(SyncOptions{});
  failed.error = "server unreachable";
  journal.finish(failed);

  Statistics st = journal.statistics();
  CHECK(st.total == 2);
  CHECK(st.success == 1);
  CHECK(st.failed == 1);
  CHECK(st.pulled == 10);
  CHECK(st.pushed == 2);
  LastRuns last = journal.last_runs();
  CHECK_FALSE(last.last_sync_at.empty());
  CHECK(last.last_error == "server unreachable");
  auto runs = journal.recent(10);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].id == failed.run_id);  // newest first
  CHECK(runs[1].trigger == "auto");
  CHECK(runs[1].notice == "forked");
  CHECK(runs[1].ok);
  CHECK(journal.recent(1).size() == 1);
}

TEST_CASE("entity sql: statements and children come from the data model", "[entity_sql]") {
  CHECK(column_list(kCustomers, "t.").rfind("t.id, t.name, ", 0) == 0);
  CHECK(select_row_sql(Entity::orders, '$') ==
        "SELECT id, order_number, quote_id, customer_id, created_at, updated_at FROM orders "
        "WHERE id = $1");
  CHECK(delete_row_sql(Entity::quotes, '?') == "DELETE FROM quotes WHERE id = ?1");
  std::string upsert = upsert_row_sql(Entity::orders, '?');
  CHECK(upsert.find("VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET") !=
        std::string::npos);
  CHECK(upsert.find("customer_id = excluded.customer_id") != std::string::npos);

  auto children = children_of(kCustomers);
  REQUIRE(children.size() == 2);
  CHECK(children[0].child == Entity::quotes);
  CHECK(children[0].field == "customer_id");
  CHECK(children[1].child == Entity::orders);
  CHECK(children_of(Entity::orders).empty());
  CHECK(has_children_sql(Entity::orders, '?').empty());
  CHECK(has_children_sql(Entity::quotes, '$') ==
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM orders WHERE quote_id = $1)");

  std::string server_tables =
      create_entity_tables_sql({.without_rowid = false, .unique_numbers = true});
  CHECK(server_tables.find("quote_number TEXT UNIQUE") != std::string::npos);
  CHECK(server_tables.find("customer_id TEXT NOT NULL REFERENCES customers(id)") !=
        std::string::npos);
  CHECK(server_tables.find("CREATE INDEX orders_quote ON orders(quote_id);") != std::string::npos);
  CHECK(server_tables.find("WITHOUT ROWID") == std::string::npos);
  CHECK(create_entity_tables_sql({.without_rowid = true, .unique_numbers = false}).find("UNIQUE") ==
        std::string::npos);

  // The statements run on the engine's own schema.
  LocalDb l;
  l.store.write_row(kCustomers, kAda, customer_row(kAda, "Ada", "Paris"));
  auto q = l.db.prepare(insert_row_sql(Entity::quotes, '?'));
  q.bind(1, kBob).bind(2, "Q-1").bind(3, kAda).bind(4, "1.00").bind(5, "draft");
  q.bind_null(6).bind_null(7);
  q.run();
  auto st = l.db.prepare(has_children_sql(kCustomers, '?'));
  st.bind(1, kAda);
  CHECK(st.step());
}
