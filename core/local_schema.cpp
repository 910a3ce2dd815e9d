#include "core/local_schema.hpp"

#include <stdexcept>
#include <string>

#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

// Version 1. Entity tables mirror the server's columns. Foreign keys are enforced for the
// user's own edits; pulls switch them off because pages may arrive child-first.
constexpr const char* kV1 = R"sql(
CREATE TABLE customers (
  id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, email TEXT, phone TEXT, address TEXT,
  city TEXT, state TEXT, zip TEXT, created_at TEXT, updated_at TEXT
) WITHOUT ROWID;
CREATE TABLE quotes (
  id TEXT PRIMARY KEY NOT NULL, quote_number TEXT,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  total_amount TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT, updated_at TEXT
) WITHOUT ROWID;
CREATE INDEX quotes_customer ON quotes(customer_id);
CREATE TABLE orders (
  id TEXT PRIMARY KEY NOT NULL, order_number TEXT,
  quote_id TEXT NOT NULL REFERENCES quotes(id),
  customer_id TEXT NOT NULL REFERENCES customers(id),
  created_at TEXT, updated_at TEXT
) WITHOUT ROWID;
CREATE INDEX orders_quote ON orders(quote_id);
CREATE INDEX orders_customer ON orders(customer_id);

-- state: synced | pending | conflict | rejected. base: JSON of the last state both sides
-- agreed on, kept only while the record has local changes (NULL means "the row itself").
CREATE TABLE sync_metadata (
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
  local_version INTEGER NOT NULL DEFAULT 0,
  remote_version INTEGER,
  last_synced_at TEXT,
  base TEXT,
  state TEXT NOT NULL DEFAULT 'synced',
  errors TEXT,
  provisional_number INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (entity_id, entity_type)  -- id first: UUIDv7 keys arrive nearly in order
) WITHOUT ROWID;
CREATE INDEX sync_metadata_state ON sync_metadata(state) WHERE state <> 'synced';

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

-- Mutations waiting to be pushed. queued: not yet sent, may be coalesced with later edits.
-- inflight: sent at least once; resent unchanged (same seq) until a verdict arrives.
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
  base_rev INTEGER,
  data TEXT,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'inflight')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX outbox_record ON outbox(entity_type, entity_id);

CREATE TABLE cursors (entity_type TEXT PRIMARY KEY, cursor TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE device (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE resync_seen (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
                          PRIMARY KEY (entity_type, entity_id)) WITHOUT ROWID;

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

// Version 2 (convergence):
// - outbox.device_id: the device id an entry was first sent under, so that an entry in flight
//   is always resent under that id, even after this database took a new one (a fork).
// - sync_runs.notice: what a run found that a person should know (a fork, a server restore).
// - sync_conflicts.dependents: for a record deleted on the server, the local records that still
//   refer to it ([{"entity","id"}]); keeping the delete discards them (kept in history).
// - remote_deletes: server tombstones of records that local, unsynced records still refer to,
//   decided once the whole pull is in (a later page may move those records elsewhere).
constexpr const char* kV2 = R"sql(
ALTER TABLE outbox ADD COLUMN device_id TEXT;
ALTER TABLE sync_runs ADD COLUMN notice TEXT;
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
    db.exec(kV1);
    db.exec("PRAGMA user_version = 1");
  }
  if (version < 2) {
    db.exec(kV2);
    db.exec("PRAGMA user_version = 2");
  }
  txn.commit();
}

}  // namespace craftsync
