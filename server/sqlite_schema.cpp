#include "server/sqlite_schema.hpp"

#include <stdexcept>

#include "core/entity.hpp"

namespace craftsync::server {
namespace {

constexpr const char* kBaseTables = R"sql(
CREATE TABLE rev_counter (id INTEGER PRIMARY KEY CHECK (id = 1), rev INTEGER NOT NULL);
INSERT INTO rev_counter VALUES (1, 0);

CREATE TABLE customers (
  id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, email TEXT, phone TEXT, address TEXT,
  city TEXT, state TEXT, zip TEXT, created_at TEXT, updated_at TEXT
) WITHOUT ROWID;

CREATE TABLE quotes (
  id TEXT PRIMARY KEY NOT NULL, quote_number TEXT UNIQUE,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  total_amount TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT, updated_at TEXT
) WITHOUT ROWID;
CREATE INDEX quotes_customer ON quotes(customer_id);

CREATE TABLE orders (
  id TEXT PRIMARY KEY NOT NULL, order_number TEXT UNIQUE,
  quote_id TEXT NOT NULL REFERENCES quotes(id),
  customer_id TEXT NOT NULL REFERENCES customers(id),
  created_at TEXT, updated_at TEXT
) WITHOUT ROWID;
CREATE INDEX orders_quote ON orders(quote_id);
CREATE INDEX orders_customer ON orders(customer_id);

-- One row per record: its newest rev, and its JSON (NULL for a tombstone).
CREATE TABLE change_log (
  rev INTEGER PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
  deleted INTEGER NOT NULL, data TEXT, changed_at INTEGER NOT NULL,
  UNIQUE (entity, entity_id)
);
CREATE INDEX change_log_tombstones ON change_log(changed_at) WHERE deleted = 1;

CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO server_meta VALUES ('tombstone_horizon', '0');

CREATE TABLE devices (device_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, last_seen_at TEXT);
CREATE TABLE device_results (
  device_id TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('read', 'sync', 'admin')),
  label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL
);
)sql";

constexpr const char* kNowMs = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

std::string log_statement(std::string_view entity, const std::string& id_expr, bool deleted,
                          const std::string& data_expr) {
  std::string s;
  s += "  UPDATE rev_counter SET rev = rev + 1 WHERE id = 1;\n";
  s += "  INSERT OR REPLACE INTO change_log (rev, entity, entity_id, deleted, data, changed_at)\n";
  s += "  VALUES ((SELECT rev FROM rev_counter WHERE id = 1), '" + std::string(entity) + "', " +
       id_expr + ", " + (deleted ? "1" : "0") + ", " + data_expr + ", " + kNowMs + ");\n";
  return s;
}

std::string triggers_for(Entity e) {
  std::string name(entity_name(e));
  std::string json = "json_object('id', NEW.id";
  for (const FieldSpec& f : fields_of(e)) {
    json += ", '" + std::string(f.name) + "', NEW." + std::string(f.name);
  }
  json += ")";
  std::string s;
  s += "CREATE TRIGGER " + name + "_log_insert AFTER INSERT ON " + name + " BEGIN\n" +
       log_statement(name, "NEW.id", false, json) + "END;\n";
  s += "CREATE TRIGGER " + name + "_log_update AFTER UPDATE ON " + name + " BEGIN\n" +
       log_statement(name, "NEW.id", false, json) + "END;\n";
  // A primary-key change through SQL leaves a tombstone for the old id.
  s += "CREATE TRIGGER " + name + "_log_rekey AFTER UPDATE OF id ON " + name +
       " WHEN OLD.id <> NEW.id BEGIN\n" + log_statement(name, "OLD.id", true, "NULL") + "END;\n";
  s += "CREATE TRIGGER " + name + "_log_delete AFTER DELETE ON " + name + " BEGIN\n" +
       log_statement(name, "OLD.id", true, "NULL") + "END;\n";
  return s;
}

}  // namespace

std::string sqlite_migration_sql(int to) {
  if (to == 1) {
    std::string sql = kBaseTables;
    for (Entity e : kEntitiesInFkOrder) sql += triggers_for(e);
    return sql;
  }
  // 2: the fingerprint of the mutation each recorded verdict judged (see docs/protocol.md).
  if (to == 2) return "ALTER TABLE device_results ADD COLUMN fingerprint TEXT;";
  throw std::logic_error("no SQLite migration to version " + std::to_string(to));
}

}  // namespace craftsync::server
