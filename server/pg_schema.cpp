#include "server/pg_schema.hpp"

#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/entity.hpp"
#include "server/pg_conn.hpp"
#include "server/server_tables.hpp"

namespace craftsync::server {
namespace {

// Version 1 serialized rev assignment: craftsync_next_rev() incremented the one rev_counter
// row, whose row lock made a second writer wait until the first ended, so rev N+1 was never
// handed out while rev N was still in flight. That kept pulls gap-free but serialized every
// writer from its first change to its commit. Since version 5 revs come from a sequence, which
// hands out N+1 while N may still be in flight, and pulls stay gap-free by serving changes up
// to the commit horizon only (pg_horizon.hpp; docs/protocol.md proves the rule). rev_counter
// stays, unused, so that older dumps still load.
constexpr const char* kFunctions = R"sql(
CREATE FUNCTION craftsync_next_rev() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  assigned bigint;
BEGIN
  UPDATE rev_counter SET rev = rev + 1 WHERE id = 1 RETURNING rev INTO assigned;
  RETURN assigned;
END $$;

CREATE FUNCTION craftsync_log_change(p_entity text, p_id text, p_deleted boolean, p_data text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (rev, entity, entity_id, deleted, data, changed_at)
  VALUES (craftsync_next_rev(), p_entity, p_id, p_deleted, p_data,
          (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
  ON CONFLICT (entity, entity_id) DO UPDATE
    SET rev = excluded.rev, deleted = excluded.deleted, data = excluded.data,
        changed_at = excluded.changed_at;
END $$;

-- TRUNCATE fires no row triggers, so it would bypass the change log: refuse it.
CREATE FUNCTION craftsync_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of % would bypass the CraftSync change log; use DELETE', TG_TABLE_NAME;
END $$;
)sql";

std::string triggers_for(Entity e) {
  std::string name(entity_name(e));
  std::string json = "json_build_object('id', NEW.id";
  for (const FieldSpec& f : fields_of(e)) {
    json += ", '" + std::string(f.name) + "', NEW." + std::string(f.name);
  }
  json += ")::text";
  std::string s;
  s += "CREATE FUNCTION " + name + "_log() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n";
  // A primary-key change leaves a tombstone for the old id, like a delete.
  s += "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id) THEN\n";
  s += "    PERFORM craftsync_log_change('" + name + "', OLD.id, true, NULL);\n  END IF;\n";
  s += "  IF TG_OP <> 'DELETE' THEN\n";
  s += "    PERFORM craftsync_log_change('" + name + "', NEW.id, false, " + json + ");\n";
  s += "  END IF;\n  RETURN NULL;\nEND $$;\n";
  s += "CREATE TRIGGER " + name + "_log AFTER INSERT OR UPDATE OR DELETE ON " + name +
       " FOR EACH ROW EXECUTE FUNCTION " + name + "_log();\n";
  s += "CREATE TRIGGER " + name + "_no_truncate BEFORE TRUNCATE ON " + name +
       " FOR EACH STATEMENT EXECUTE FUNCTION craftsync_refuse_truncate();\n";
  return s;
}

struct Migration {
  int to_version;
  std::string (*sql)();
};

// Each step takes the schema from to_version - 1 to to_version. Append, never edit.
// 2: the fingerprint of the mutation each recorded verdict judged (see docs/protocol.md).
std::string pg_schema_v2_sql() {
  return "ALTER TABLE device_results ADD COLUMN fingerprint text;";
}

// 3: every transaction that logs a change NOTIFYs craftsync_changes, for held pulls on every
// instance. The payload is empty so that PostgreSQL folds a transaction's notifications into
// one (it drops duplicates), however many rows it wrote.
std::string pg_schema_v3_sql() {
  return R"sql(
CREATE OR REPLACE FUNCTION craftsync_log_change(p_entity text, p_id text, p_deleted boolean,
                                                p_data text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (rev, entity, entity_id, deleted, data, changed_at)
  VALUES (craftsync_next_rev(), p_entity, p_id, p_deleted, p_data,
          (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
  ON CONFLICT (entity, entity_id) DO UPDATE
    SET rev = excluded.rev, deleted = excluded.deleted, data = excluded.data,
        changed_at = excluded.changed_at;
  PERFORM pg_notify('craftsync_changes', '');
END $$;
)sql";
}

// 4: record history. Each logged change also appends its revision to record_history, with
// the author the server's write transaction set (SET LOCAL craftsync.author), else "sql".
std::string pg_schema_v4_sql() {
  return history_table_sql(kPostgresDialect) + R"sql(
CREATE OR REPLACE FUNCTION craftsync_log_change(p_entity text, p_id text, p_deleted boolean,
                                                p_data text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  assigned bigint := craftsync_next_rev();
  now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
  INSERT INTO change_log (rev, entity, entity_id, deleted, data, changed_at)
  VALUES (assigned, p_entity, p_id, p_deleted, p_data, now_ms)
  ON CONFLICT (entity, entity_id) DO UPDATE
    SET rev = excluded.rev, deleted = excluded.deleted, data = excluded.data,
        changed_at = excluded.changed_at;
  INSERT INTO record_history (entity, entity_id, rev, changed_at, author, deleted, data)
  VALUES (p_entity, p_id, assigned, now_ms,
          coalesce(nullif(current_setting('craftsync.author', true), ''), 'sql'), p_deleted,
          p_data);
  PERFORM pg_notify('craftsync_changes', '');
END $$;
)sql";
}

// 5: revs from a sequence, so that writers never wait for each other (see above). It starts
// after the newest rev that rev_counter handed out.
//
// The claim: before its first rev, a transaction takes a shared advisory lock keyed by the
// sequence's last value, which no rev it takes can be below (the two-key form, so objsubid 2
// in pg_locks tells it from the server's one-key device locks). A transaction-local setting
// says it has claimed. craftsync_horizon() reads the sequence first and the claims second;
// docs/protocol.md shows why that order makes the horizon safe.
std::string pg_schema_v5_sql() {
  return R"sql(
CREATE SEQUENCE craftsync_rev_seq AS bigint;
SELECT CASE WHEN rev > 0 THEN setval('craftsync_rev_seq', rev) END FROM rev_counter WHERE id = 1;

CREATE OR REPLACE FUNCTION craftsync_next_rev() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  floor_rev bigint;
BEGIN
  IF coalesce(current_setting('craftsync.claimed', true), '') = '' THEN
    SELECT last_value INTO floor_rev FROM craftsync_rev_seq;
    PERFORM pg_advisory_xact_lock_shared((floor_rev >> 32)::int, (floor_rev & 4294967295)::bit(32)::int);
    PERFORM set_config('craftsync.claimed', 'yes', true);
  END IF;
  RETURN nextval('craftsync_rev_seq');
END $$;

CREATE FUNCTION craftsync_horizon(OUT newest bigint, OUT safe bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  lowest_claim bigint;
BEGIN
  SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO newest
  FROM craftsync_rev_seq;
  SELECT min((l.classid::bigint << 32) | l.objid::bigint) INTO lowest_claim
  FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
  safe := CASE WHEN lowest_claim IS NULL THEN newest ELSE least(newest, lowest_claim - 1) END;
END $$;
)sql";
}

// 6: a change no longer writes its data twice. change_log holds each record's current revision
// and now its author too; record_history keeps the revisions that changes replaced, moved there
// by the change that replaces them (the history route reads both). A create writes no history
// row at all, which was a third of a created record's writes.
std::string pg_schema_v6_sql() {
  return R"sql(
ALTER TABLE change_log ADD COLUMN author text;
UPDATE change_log l SET author = h.author FROM record_history h
WHERE h.entity = l.entity AND h.entity_id = l.entity_id AND h.rev = l.rev;
DELETE FROM record_history h USING change_log l
WHERE h.entity = l.entity AND h.entity_id = l.entity_id AND h.rev = l.rev;

CREATE OR REPLACE FUNCTION craftsync_log_change(p_entity text, p_id text, p_deleted boolean,
                                                p_data text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  assigned bigint := craftsync_next_rev();
  now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
  -- The record's row is locked by the statement that fired this trigger, so the change-log row
  -- read here is the one this change replaces.
  INSERT INTO record_history (entity, entity_id, rev, changed_at, author, deleted, data)
  SELECT entity, entity_id, rev, changed_at, coalesce(author, 'sql'), deleted, data
  FROM change_log WHERE entity = p_entity AND entity_id = p_id
  ON CONFLICT DO NOTHING;
  INSERT INTO change_log (rev, entity, entity_id, deleted, data, changed_at, author)
  VALUES (assigned, p_entity, p_id, p_deleted, p_data, now_ms,
          coalesce(nullif(current_setting('craftsync.author', true), ''), 'sql'))
  ON CONFLICT (entity, entity_id) DO UPDATE
    SET rev = excluded.rev, deleted = excluded.deleted, data = excluded.data,
        changed_at = excluded.changed_at, author = excluded.author;
  PERFORM pg_notify('craftsync_changes', '');
END $$;
)sql";
}

constexpr const char* kNotifyAlways = "    PERFORM pg_notify('craftsync_changes', '');\n";

// craftsync_log_changes(): one statement that copies the revisions being replaced to
// record_history and upserts the new ones. `replaced_from` is the FROM clause that finds the
// replaced revisions (alias l); `notify` is what the first call of a transaction runs to
// NOTIFY craftsync_changes (after its claim); the rest has not changed since version 7.
std::string log_changes_sql(const char* replaced_from, const char* notify) {
  return std::string(
             R"sql(CREATE OR REPLACE FUNCTION craftsync_log_changes(p_entity text, p_ids text[], p_deleted boolean,
                                      p_data text[])
RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_hashjoin = off
SET enable_mergejoin = off SET jit = off AS $$
BEGIN
  IF coalesce(cardinality(p_ids), 0) = 0 THEN
    RETURN;
  END IF;
  IF coalesce(current_setting('craftsync.claimed', true), '') = '' THEN
    PERFORM pg_advisory_xact_lock_shared((last_value >> 32)::int,
                                         (last_value & 4294967295)::bit(32)::int),
            set_config('craftsync.claimed', 'yes', true)
    FROM craftsync_rev_seq;
)sql") + notify +
         R"sql(  END IF;
  WITH replaced AS (
    INSERT INTO record_history (entity, entity_id, rev, changed_at, author, deleted, data)
    SELECT l.entity, l.entity_id, l.rev, l.changed_at, coalesce(l.author, 'sql'), l.deleted,
           l.data
)sql" + replaced_from +
         R"sql(    ON CONFLICT DO NOTHING)
  INSERT INTO change_log (rev, entity, entity_id, deleted, data, changed_at, author)
  SELECT nextval('craftsync_rev_seq'), p_entity, k.id, p_deleted, k.data,
         (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
         coalesce(nullif(current_setting('craftsync.author', true), ''), 'sql')
  FROM unnest(p_ids, coalesce(p_data, '{}'::text[])) AS k(id, data)
  ON CONFLICT (entity, entity_id) DO UPDATE
    SET rev = excluded.rev, deleted = excluded.deleted, data = excluded.data,
        changed_at = excluded.changed_at, author = excluded.author;
END $$;
)sql";
}

// 7: the triggers log a statement's rows at once. A row trigger ran a PL/pgSQL call and four
// statements per row (the claim check, the history copy, the change-log upsert, the NOTIFY);
// a multi-row INSERT of a push batch now runs one statement-level trigger, which gathers the
// rows from its transition table into arrays and hands them to craftsync_log_changes(): one
// statement copies the revisions being replaced to record_history and upserts the new ones,
// for every row at once. The rules do not change:
// - the claim comes before the first rev (craftsync_claim(), written out, and the NOTIFY with
//   it, once per transaction);
// - the record's row is locked by the statement that fired the trigger;
// - each row gets its own rev, in the statement's row order;
// - a replaced revision moves to record_history (the statement's snapshot reads the old row);
// - a primary-key change leaves a tombstone for the old id.
// Direct SQL edits go through the same triggers. The step may run again over its own result.
//
// craftsync_log_changes() keeps one plan per statement for the life of a connection, made at
// its first call, perhaps while change_log is still small. Its settings keep a hash join over
// a whole entity's rows from being chosen then, when it looks cheaper, and kept once the
// table is large (they did not keep the lookup of the replaced revisions an index probe per
// id: see version 8). Disabled scans cost so much in the planner's eyes that JIT compilation
// would start for a one-row read: jit is off here too.
std::string pg_schema_v7_sql() {
  std::string s = R"sql(
CREATE OR REPLACE FUNCTION craftsync_claim() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('craftsync.claimed', true), '') = '' THEN
    PERFORM pg_advisory_xact_lock_shared((last_value >> 32)::int,
                                         (last_value & 4294967295)::bit(32)::int),
            set_config('craftsync.claimed', 'yes', true)
    FROM craftsync_rev_seq;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION craftsync_next_rev() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  PERFORM craftsync_claim();
  RETURN nextval('craftsync_rev_seq');
END $$;

)sql";
  s += log_changes_sql(
      "    FROM change_log l WHERE l.entity = p_entity AND l.entity_id = ANY(p_ids)\n",
      kNotifyAlways);
  for (Entity e : kEntitiesInFkOrder) {
    const std::string name(entity_name(e));
    std::string json = "json_build_object('id', n.id";
    for (const FieldSpec& f : fields_of(e))
      json += ", '" + std::string(f.name) + "', n." + std::string(f.name);
    json += ")::text";
    const std::string log = "  PERFORM craftsync_log_changes('" + name + "', ";
    s += "DROP TRIGGER IF EXISTS " + name + "_log ON " + name + ";\n";
    s += "DROP FUNCTION IF EXISTS " + name + "_log();\n";
    for (const char* t : {"_log_insert", "_log_update", "_log_delete"})
      s += "DROP TRIGGER IF EXISTS " + name + t + " ON " + name + ";\n";
    s += "CREATE OR REPLACE FUNCTION " + name +
         "_log_rows() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n";
    s += "  IF TG_OP = 'DELETE' THEN\n";
    s += "  " + log + "array_agg(o.id), true, NULL) FROM craftsync_old o;\n";
    s += "    RETURN NULL;\n  END IF;\n";
    // A primary-key change leaves a tombstone for the old id, like a delete.
    s += "  IF TG_OP = 'UPDATE' THEN\n";
    s += "  " + log + "array_agg(o.id), true, NULL) FROM craftsync_old o\n";
    s += "    WHERE NOT EXISTS (SELECT 1 FROM craftsync_new n WHERE n.id = o.id);\n  END IF;\n";
    s += log + "array_agg(n.id), false, array_agg(" + json + ")) FROM craftsync_new n;\n";
    s += "  RETURN NULL;\nEND $$;\n";
    s += "CREATE TRIGGER " + name + "_log_insert AFTER INSERT ON " + name +
         " REFERENCING NEW TABLE AS craftsync_new FOR EACH STATEMENT EXECUTE FUNCTION " + name +
         "_log_rows();\n";
    s += "CREATE TRIGGER " + name + "_log_update AFTER UPDATE ON " + name +
         " REFERENCING OLD TABLE AS craftsync_old NEW TABLE AS craftsync_new FOR EACH STATEMENT "
         "EXECUTE FUNCTION " +
         name + "_log_rows();\n";
    s += "CREATE TRIGGER " + name + "_log_delete AFTER DELETE ON " + name +
         " REFERENCING OLD TABLE AS craftsync_old FOR EACH STATEMENT EXECUTE FUNCTION " + name +
         "_log_rows();\n";
  }
  return s;
}

// 8: the replaced revisions are looked up one id at a time. Version 7 read them with
// `entity_id = ANY(ids)`, and a plan made while change_log was small and analyzed (a new
// database) scanned the entity's whole range of the (entity, entity_id) index with the ids as
// a filter; the session kept that plan, so each later write read every record of its table.
// Now each id is looked up by a subquery of its own, which OFFSET 0 keeps from being merged
// into a join (where the same plan came back with the ids as a join filter): a lookup of one
// key of a unique index, planned as a probe on both columns whatever the statistics say.
constexpr const char* kReplacedOneByOne =
    "    FROM unnest(p_ids) AS k(id)\n"
    "    CROSS JOIN LATERAL (SELECT c.* FROM change_log c\n"
    "                        WHERE c.entity = p_entity AND c.entity_id = k.id OFFSET 0) l\n";

std::string pg_schema_v8_sql() {
  return log_changes_sql(kReplacedOneByOne, kNotifyAlways);
}

// 9: the columns that hold keys compare bytewise (COLLATE "C"), as SQLite's BINARY does.
// Under the database's collation every probe of a text key went through strcoll() (and
// copies to make its arguments NUL-terminated) at each step down a B-tree: ids, entity names
// and device ids, several index descents per written row. Keys are ASCII (UUIDs, numbers,
// names), so bytewise order is also the order they had under a C.UTF-8 collation; equality
// was bytewise before too, as deterministic collations have it. Queries need no change: a
// parameter's default collation gives way to the column's. Only the indexes are rebuilt,
// not the tables (docs/operations.md: a large database takes a few seconds to upgrade).
std::string pg_schema_v9_sql() {
  // Spelled out rather than taken from fields_of(): a field added by a later step must not
  // appear in this one, which runs before that step on an older database.
  static const std::pair<const char*, std::vector<const char*>> keys[] = {
      {"customers", {"id"}},
      {"quotes", {"id", "quote_number", "customer_id"}},
      {"orders", {"id", "order_number", "quote_id", "customer_id"}},
      {"change_log", {"entity", "entity_id"}},
      {"record_history", {"entity", "entity_id"}},
      {"devices", {"device_id"}},
      {"device_results", {"device_id"}},
      {"api_keys", {"key_hash"}},
      {"counters", {"name"}},
      {"server_meta", {"key"}},
  };
  std::string s;
  for (const auto& [table, columns] : keys) {
    s += std::string("ALTER TABLE ") + table;
    for (std::size_t i = 0; i < columns.size(); ++i)
      s += std::string(i ? ", " : " ") + "ALTER COLUMN " + columns[i] + " TYPE text COLLATE \"C\"";
    s += ";\n";
  }
  return s;
}

// 10: a transaction that sets craftsync.quiet to 'on' sends no NOTIFY. PostgreSQL makes every
// committing transaction that NOTIFYs take one lock on the database in turn (held from before
// its commit record until after it), so that each push waited there for the others' commits;
// at 8 clients, about one backend in five was found waiting on it. The server's writes in a
// busy spell are quiet, and a connection of the server's own NOTIFYs once for however many of
// them committed meanwhile (server/pg_notify.hpp). Any other writer (psql, another program),
// and the server's first write after a quiet spell, still NOTIFYs from the trigger.
std::string pg_schema_v10_sql() {
  return log_changes_sql(kReplacedOneByOne,
                         "  IF coalesce(current_setting('craftsync.quiet', true), '') <> 'on' "
                         "THEN\n    PERFORM pg_notify('craftsync_changes', '');\n  END IF;\n");
}

constexpr Migration kMigrations[] = {
    {1, &pg_schema_v1_sql},   {2, &pg_schema_v2_sql}, {3, &pg_schema_v3_sql},
    {4, &pg_schema_v4_sql},   {5, &pg_schema_v5_sql}, {6, &pg_schema_v6_sql},
    {7, &pg_schema_v7_sql},   {8, &pg_schema_v8_sql}, {9, &pg_schema_v9_sql},
    {10, &pg_schema_v10_sql},
};
static_assert(static_cast<int>(std::size(kMigrations)) == kPgSchemaVersion);

}  // namespace

std::string pg_schema_v1_sql() {
  std::string sql = server_tables_sql(kPostgresDialect);
  sql += kFunctions;
  for (Entity e : kEntitiesInFkOrder) sql += triggers_for(e);
  return sql;
}

void migrate_pg_schema(PgConn& conn) {
  conn.exec("BEGIN");
  try {
    conn.exec(
        "SELECT pg_advisory_xact_lock(7061727469); "
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL, migrated_at text)");
    auto r = conn.query("SELECT version FROM schema_version WHERE id = 1");
    std::int64_t version = r.rows() == 0 ? 0 : r.int_at(0, 0);
    if (version > kPgSchemaVersion)
      throw std::runtime_error("the PostgreSQL database has schema version " +
                               std::to_string(version) + ", newer than this server understands (" +
                               std::to_string(kPgSchemaVersion) + "); upgrade the server");
    for (const Migration& m : kMigrations) {
      if (m.to_version <= version) continue;
      conn.exec(m.sql());
      conn.query(
          "INSERT INTO schema_version (id, version, migrated_at) VALUES (1, $1, now()::text) "
          "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
          "migrated_at = excluded.migrated_at",
          {std::to_string(m.to_version)});
    }
    conn.exec("COMMIT");
  } catch (...) {
    if (!conn.broken()) {
      try {
        conn.exec("ROLLBACK");
      } catch (...) {
      }
    }
    throw;
  }
}

}  // namespace craftsync::server
