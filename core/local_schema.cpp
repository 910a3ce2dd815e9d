#include "core/local_schema.hpp"

#include <stdexcept>
#include <string>

#include "core/entity_sql.hpp"
#include "core/run_journal.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_state.hpp"

namespace craftsync {
namespace {

// The sync state (sync_metadata, the outbox) and the run journal (sync_runs) define their own
// tables, version by version: see sync_state.cpp and run_journal.cpp.
//
// Version 1. Entity tables mirror the server's columns (core/entity_sql.cpp builds them from the
// data model). Foreign keys are enforced for the user's own edits; pulls switch them off
// because pages may arrive child-first.
constexpr const char* kV1 = R"sql(
-- One row per conflict, resolved or not: every losing value stays here and can be restored.
CREATE TABLE sync_conflicts (
  id INTEGER PRIMARY KEY,
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
  base TEXT, local TEXT, remote TEXT,
  fields TEXT NOT NULL,
  merged_fields TEXT NOT NULL DEFAULT '[]',
  remote_rev INTEGER,
  resolved INTEGER NOT NULL DEFAULT 0,
  resolution TEXT,
  resolved_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX sync_conflicts_open ON sync_conflicts(resolved, id);
CREATE INDEX sync_conflicts_entity ON sync_conflicts(entity_type, entity_id);

CREATE TABLE cursors (entity_type TEXT PRIMARY KEY, cursor TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE device (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE resync_seen (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
                          PRIMARY KEY (entity_type, entity_id)) WITHOUT ROWID;
)sql";

// Version 2 (convergence), with the sync state's and the journal's own steps:
// - sync_conflicts.dependents: for a record deleted on the server, the local records that still
//   refer to it ([{"entity","id"}]); keeping the delete discards them (kept in history).
// - remote_deletes: server tombstones of records that local, unsynced records still refer to,
//   decided once the whole pull is in (a later page may move those records elsewhere).
constexpr const char* kV2 = R"sql(
ALTER TABLE sync_conflicts ADD COLUMN dependents TEXT NOT NULL DEFAULT '[]';
CREATE TABLE remote_deletes (
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, rev INTEGER NOT NULL,
  PRIMARY KEY (entity_type, entity_id)
) WITHOUT ROWID;
)sql";

}  // namespace

void migrate_local_schema(SqliteConn& db) {
  // The version is read inside the write transaction, so two processes opening a new file at
  // once do not both try to create it.
  SqliteTxn txn(db);
  std::int64_t version = 0;
  {
    auto v = db.prepare("PRAGMA user_version");
    v.step();
    version = v.int_at(0);
  }
  if (version > kLocalSchemaVersion)
    throw std::runtime_error("local database has schema version " + std::to_string(version) +
                             ", newer than this build understands (" +
                             std::to_string(kLocalSchemaVersion) + ")");
  if (version < 1) {
    db.exec(create_entity_tables_sql({.without_rowid = true, .unique_numbers = false}));
    db.exec(kV1);
    db.exec(sync_state_schema(1));
    db.exec(run_journal_schema(1));
    db.exec("PRAGMA user_version = 1");
  }
  if (version < 2) {
    db.exec(kV2);
    db.exec(sync_state_schema(2));
    db.exec(run_journal_schema(2));
    db.exec("PRAGMA user_version = 2");
  }
  if (version < 3) {
    db.exec(sync_state_schema(3));
    db.exec("PRAGMA user_version = 3");
  }
  // A first sync builds these after its last page (core/pull.cpp); a process killed before
  // that leaves them for the next open.
  for (const ReferenceIndex& index : reference_indexes(/*if_not_exists=*/true))
    db.exec(index.create_sql);
  txn.commit();
}

}  // namespace craftsync
