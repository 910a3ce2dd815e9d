#include "server/server_tables.hpp"

#include "core/entity_sql.hpp"

namespace craftsync::server {

std::string server_tables_sql(const SqlDialect& d) {
  std::string i(d.integer), b(d.boolean), rowid(d.without_rowid ? " WITHOUT ROWID" : "");
  std::string sql = "CREATE TABLE rev_counter (id " + i + " PRIMARY KEY CHECK (id = 1), rev " + i +
                    " NOT NULL);\n"
                    "INSERT INTO rev_counter VALUES (1, 0);\n\n";
  sql += create_entity_tables_sql({.without_rowid = d.without_rowid, .unique_numbers = true});
  // One row per record: its newest rev, and its JSON (NULL for a tombstone).
  sql += "\nCREATE TABLE change_log (\n  rev " + i +
         " PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT NOT NULL,\n  deleted " + b +
         " NOT NULL, data TEXT, changed_at " + i +
         " NOT NULL,\n  UNIQUE (entity, entity_id)\n);\n"
         "CREATE INDEX change_log_tombstones ON change_log(changed_at) WHERE deleted" +
         d.is_true + ";\n\n";
  sql += "CREATE TABLE counters (name TEXT PRIMARY KEY, value " + i + " NOT NULL);\n";
  sql +=
      "CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
      "INSERT INTO server_meta VALUES ('tombstone_horizon', '0');\n\n";
  sql += "CREATE TABLE devices (device_id TEXT PRIMARY KEY, last_seq " + i +
         " NOT NULL, last_seen_at TEXT);\n";
  sql += "CREATE TABLE device_results (\n  device_id TEXT NOT NULL, seq " + i +
         " NOT NULL, result TEXT NOT NULL,\n  PRIMARY KEY (device_id, seq)\n)" + rowid + ";\n\n";
  sql += "CREATE TABLE api_keys (\n  id " + std::string(d.key_column) +
         ", key_hash TEXT NOT NULL UNIQUE,\n"
         "  role TEXT NOT NULL CHECK (role IN ('read', 'sync', 'admin')),\n"
         "  label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL\n);\n";
  return sql;
}

std::string history_table_sql(const SqlDialect& d) {
  std::string i = d.integer, b = d.boolean;
  return "CREATE TABLE record_history (\n  entity TEXT NOT NULL, entity_id TEXT NOT NULL, rev " +
         i + " NOT NULL,\n  changed_at " + i + " NOT NULL, author TEXT NOT NULL, deleted " + b +
         " NOT NULL, data TEXT,\n  PRIMARY KEY (entity, entity_id, rev)\n)" +
         (d.without_rowid ? " WITHOUT ROWID" : "") +
         ";\nCREATE INDEX record_history_age ON record_history(changed_at);\n"
         // What history starts from: each record's current state, its author unknown.
         "INSERT INTO record_history (entity, entity_id, rev, changed_at, author, deleted, data)\n"
         "SELECT entity, entity_id, rev, changed_at, 'migrated', deleted, data FROM change_log;\n";
}

std::string scan_rows_sql(Entity e, char mark) {
  std::string cols = column_list(e, "t.");
  std::string rest = cols.substr(cols.find(','));  // the fields, after t.id
  return "SELECT t.id, l.rev" + rest + " FROM " + std::string(entity_name(e)) +
         " t JOIN change_log l ON l.entity = " + mark + "1 AND l.entity_id = t.id";
}

}  // namespace craftsync::server
