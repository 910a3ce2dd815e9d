#include "core/run_journal.hpp"

#include "core/clock.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

constexpr const char* kV1 = R"sql(
CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL, finished_at TEXT,
  duration_ms INTEGER, trigger TEXT NOT NULL DEFAULT 'manual',
  direction TEXT NOT NULL, entity TEXT NOT NULL,
  ok INTEGER NOT NULL DEFAULT 0,
  pulled INTEGER NOT NULL DEFAULT 0, pushed INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, conflicts INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, retried INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
)sql";

// Version 2: notice, what a run found that a person should know (a fork, a server restore).
constexpr const char* kV2 = "ALTER TABLE sync_runs ADD COLUMN notice TEXT;";

void bind_text_or_null(SqliteStmt& st, int i, const std::string& v) {
  if (v.empty())
    st.bind_null(i);
  else
    st.bind(i, std::string_view(v));
}

}  // namespace

const char* run_journal_schema(int version) {
  return version == 1 ? kV1 : version == 2 ? kV2 : "";
}

std::int64_t RunJournal::start(const SyncOptions& options) {
  auto st = db_.prepare(
      "INSERT INTO sync_runs (started_at, trigger, direction, entity) VALUES (?1, ?2, ?3, ?4)");
  st.bind(1, utc_now_iso())
      .bind(2, std::string_view(options.trigger))
      .bind(3, direction_name(options.direction));
  st.bind(4, entity_list(options.entities));
  st.run();
  return sqlite3_last_insert_rowid(db_.handle());
}

void RunJournal::finish(const SyncReport& report) {
  auto st = db_.prepare(
      "UPDATE sync_runs SET finished_at = ?2, duration_ms = ?3, ok = ?4, pulled = ?5, "
      "pushed = ?6, merged = ?7, conflicts = ?8, rejected = ?9, retried = ?10, bytes = ?11, "
      "error = ?12, notice = ?13 WHERE id = ?1");
  st.bind(1, report.run_id)
      .bind(2, utc_now_iso())
      .bind(3, report.duration_ms)
      .bind(4, std::int64_t(report.ok));
  st.bind(5, report.pulled).bind(6, report.pushed).bind(7, report.merged);
  st.bind(8, report.conflicts).bind(9, report.rejected).bind(10, report.retried);
  st.bind(11, report.bytes);
  bind_text_or_null(st, 12, report.error);
  bind_text_or_null(st, 13, report.notice);
  st.run();
}

LastRuns RunJournal::last_runs() {
  LastRuns r;
  {
    auto st = db_.prepare(
        "SELECT coalesce(finished_at, started_at) FROM sync_runs WHERE ok = 1 ORDER BY id DESC "
        "LIMIT 1");
    if (st.step()) r.last_sync_at = st.text_at(0);
  }
  auto st = db_.prepare(
      "SELECT started_at, ok, coalesce(error, '') FROM sync_runs ORDER BY id DESC LIMIT 1");
  if (st.step()) {
    r.last_attempt_at = st.text_at(0);
    if (st.int_at(1) == 0) r.last_error = st.text_at(2);
  }
  return r;
}

Statistics RunJournal::statistics() {
  auto st = db_.prepare(
      "SELECT count(*), coalesce(sum(ok), 0), coalesce(sum(pushed), 0), coalesce(sum(pulled), 0), "
      "coalesce(sum(merged), 0), coalesce(sum(conflicts), 0) FROM sync_runs WHERE finished_at IS "
      "NOT NULL");
  st.step();
  Statistics s;
  s.total = st.int_at(0);
  s.success = st.int_at(1);
  s.failed = s.total - s.success;
  s.pushed = st.int_at(2);
  s.pulled = st.int_at(3);
  s.merged = st.int_at(4);
  s.conflicts = st.int_at(5);
  return s;
}

std::vector<RunRecord> RunJournal::recent(int limit) {
  auto st = db_.prepare(
      "SELECT id, started_at, trigger, direction, entity, coalesce(error, ''), "
      "coalesce(duration_ms, 0), pulled, pushed, merged, conflicts, rejected, ok, "
      "coalesce(notice, '') FROM sync_runs ORDER BY id DESC LIMIT ?1");
  st.bind(1, static_cast<std::int64_t>(limit));
  std::vector<RunRecord> out;
  while (st.step()) {
    RunRecord r;
    int col = 0;
    r.id = st.int_at(col++);
    for (std::string* text : {&r.started_at, &r.trigger, &r.direction, &r.entity, &r.error})
      *text = st.text_at(col++);
    for (std::int64_t* n :
         {&r.duration_ms, &r.pulled, &r.pushed, &r.merged, &r.conflicts, &r.rejected})
      *n = st.int_at(col++);
    r.ok = st.int_at(col++) != 0;
    r.notice = st.text_at(col);
    out.push_back(r);
  }
  return out;
}

}  // namespace craftsync
