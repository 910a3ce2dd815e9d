#pragma once
// The journal of sync runs (sync_runs): one row per run, opened when it starts and completed
// when it ends, so that a run cut off by a crash still shows as started and unfinished. It
// answers the status's "last sync" lines, the run history and the totals. This is the only
// code that reads or writes that table.
//
// Threading: not shared between threads; it works on the engine thread's connection.

#include <cstdint>
#include <string>
#include <vector>

#include "core/sync_report.hpp"

namespace craftsync {

class SqliteConn;

/// The DDL of the journal at a local schema version (1 or 2), for migrate_local_schema.
const char* run_journal_schema(int version);

/// When runs last happened, for the status.
struct LastRuns {
  std::string last_sync_at;     // the newest successful run's end
  std::string last_attempt_at;  // the newest run's start
  std::string last_error;       // the newest run's error, when it failed
};

class RunJournal {
 public:
  explicit RunJournal(SqliteConn& db) : db_(db) {}

  /// Opens a run and returns its id.
  std::int64_t start(const SyncOptions& options);
  /// Completes run `report.run_id` with what it did.
  void finish(const SyncReport& report);

  LastRuns last_runs();
  /// Totals over every finished run.
  Statistics statistics();
  /// The newest `limit` runs, newest first.
  std::vector<RunRecord> recent(int limit);

 private:
  SqliteConn& db_;
};

}  // namespace craftsync
