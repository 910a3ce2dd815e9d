#include "server/sqlite_schema.hpp"

#include <stdexcept>

#include "core/entity.hpp"
#include "server/server_tables.hpp"

namespace craftsync::server {
namespace {

// How the triggers keep history: none (version 1); every revision in record_history, the current
// one too (version 3); only the revisions a change replaces, the current one living in change_log
// with its author (version 4).
enum class History { none, every, superseded };

constexpr const char* kNowMs = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

std::string log_statement(std::string_view entity, const std::string& id_expr, bool deleted,
                          const std::string& data_expr, History history) {
  std::string s;
  std::string e = "'" + std::string(entity) + "'";
  std::string values = "VALUES ((SELECT rev FROM rev_counter WHERE id = 1), " + e + ", " + id_expr +
                       ", " + (deleted ? "1" : "0") + ", " + data_expr + ", " + kNowMs;
  // The author is what the server's write transaction set (write_author), else "sql".
  std::string author = "coalesce((SELECT author FROM write_author WHERE id = 1), 'sql')";
  if (history == History::superseded) {
    // The revision being replaced moves into record_history; the new one stays in change_log.
    s += "  INSERT OR IGNORE INTO record_history (rev, entity, entity_id, deleted, data, "
         "changed_at, author)\n";
    s += "  SELECT rev, entity, entity_id, deleted, data, changed_at, coalesce(author, 'sql') "
         "FROM change_log WHERE entity = " +
         e + " AND entity_id = " + id_expr + ";\n";
  }
  s += "  UPDATE rev_counter SET rev = rev + 1 WHERE id = 1;\n";
  if (history == History::superseded) {
    s += "  INSERT OR REPLACE INTO change_log (rev, entity, entity_id, deleted, data, changed_at, "
         "author)\n";
    s += "  " + values + ", " + author + ");\n";
    return s;
  }
  s += "  INSERT OR REPLACE INTO change_log (rev, entity, entity_id, deleted, data, changed_at)\n";
  s += "  " + values + ");\n";
  if (history == History::every) {
    s += "  INSERT INTO record_history (rev, entity, entity_id, deleted, data, changed_at, "
         "author)\n";
    s += "  " + values + ", " + author + ");\n";
  }
  return s;
}

std::string triggers_for(Entity e, History history) {
  std::string name(entity_name(e));
  std::string json = "json_object('id', NEW.id";
  for (const FieldSpec& f : fields_of(e)) {
    json += ", '" + std::string(f.name) + "', NEW." + std::string(f.name);
  }
  json += ")";
  std::string s;
  s += "CREATE TRIGGER " + name + "_log_insert AFTER INSERT ON " + name + " BEGIN\n" +
       log_statement(name, "NEW.id", false, json, history) + "END;\n";
  s += "CREATE TRIGGER " + name + "_log_update AFTER UPDATE ON " + name + " BEGIN\n" +
       log_statement(name, "NEW.id", false, json, history) + "END;\n";
  // A primary-key change through SQL leaves a tombstone for the old id.
  s += "CREATE TRIGGER " + name + "_log_rekey AFTER UPDATE OF id ON " + name +
       " WHEN OLD.id <> NEW.id BEGIN\n" + log_statement(name, "OLD.id", true, "NULL", history) +
       "END;\n";
  s += "CREATE TRIGGER " + name + "_log_delete AFTER DELETE ON " + name + " BEGIN\n" +
       log_statement(name, "OLD.id", true, "NULL", history) + "END;\n";
  return s;
}

}  // namespace

std::string sqlite_migration_sql(int to) {
  if (to == 1) {
    std::string sql = server_tables_sql(kSqliteDialect);
    for (Entity e : kEntitiesInFkOrder) sql += triggers_for(e, History::none);
    return sql;
  }
  // 2: the fingerprint of the mutation each recorded verdict judged (see docs/protocol.md).
  if (to == 2) return "ALTER TABLE device_results ADD COLUMN fingerprint TEXT;";
  // 3: record history. The triggers also append each revision to record_history, with the
  // author the server's write transaction names in write_author (one row, NULL outside its
  // transactions, so that an edit by hand is recorded as "sql").
  if (to == 3) {
    std::string sql = history_table_sql(kSqliteDialect);
    sql += "CREATE TABLE write_author (id INTEGER PRIMARY KEY CHECK (id = 1), author TEXT);\n";
    sql += "INSERT INTO write_author VALUES (1, NULL);\n";
    for (Entity e : kEntitiesInFkOrder) {
      std::string name(entity_name(e));
      for (const char* t : {"_log_insert", "_log_update", "_log_rekey", "_log_delete"})
        sql += "DROP TRIGGER " + name + t + ";\n";
      sql += triggers_for(e, History::every);
    }
    return sql;
  }
  // 4: a change no longer writes its data twice. change_log holds each record's current
  // revision and now its author too; record_history keeps the revisions changes replaced (the
  // history route reads both). A create writes no history row at all (docs/architecture.md).
  if (to == 4) {
    std::string sql =
        "ALTER TABLE change_log ADD COLUMN author TEXT;\n"
        "UPDATE change_log SET author = (SELECT h.author FROM record_history h WHERE "
        "h.entity = change_log.entity AND h.entity_id = change_log.entity_id AND "
        "h.rev = change_log.rev);\n"
        "DELETE FROM record_history WHERE EXISTS (SELECT 1 FROM change_log l WHERE "
        "l.entity = record_history.entity AND l.entity_id = record_history.entity_id AND "
        "l.rev = record_history.rev);\n";
    for (Entity e : kEntitiesInFkOrder) {
      std::string name(entity_name(e));
      for (const char* t : {"_log_insert", "_log_update", "_log_rekey", "_log_delete"})
        sql += "DROP TRIGGER " + name + t + ";\n";
      sql += triggers_for(e, History::superseded);
    }
    return sql;
  }
  throw std::logic_error("no SQLite migration to version " + std::to_string(to));
}

}  // namespace craftsync::server
