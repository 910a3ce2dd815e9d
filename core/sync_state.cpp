#include "core/sync_state.hpp"

#include "core/clock.hpp"
#include "core/entity_sql.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

// Version 1. sync_metadata.base: JSON of the last state both sides agreed on, kept only while
// the record has local changes (NULL means "the row itself"). The outbox: queued entries are
// not yet sent and may be coalesced with later edits; inflight ones were sent at least once
// and are resent unchanged (same seq) until a verdict arrives.
constexpr const char* kV1 = R"sql(
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
)sql";

// Version 2: outbox.device_id, the device id an entry was first sent under, so that an entry
// in flight is always resent under that id, even after this database took a new one (a fork).
constexpr const char* kV2 = "ALTER TABLE outbox ADD COLUMN device_id TEXT;";

// The fast path takes records with no local work: synced ones, and refused deletes that were
// put back from the server's row (rejected, but base NULL: the row is the server's). A re-
// snapshot (?5 = 1) takes the server's state whatever rev the client last saw, because after a
// server restore the client may hold revs that the server no longer has.
constexpr const char* kTakeRemote =
    "INSERT INTO sync_metadata (entity_type, entity_id, remote_version, last_synced_at, state) "
    "VALUES (?1, ?2, ?3, ?4, 'synced') ON CONFLICT (entity_id, entity_type) DO UPDATE SET "
    "remote_version = excluded.remote_version, last_synced_at = excluded.last_synced_at, "
    "state = 'synced', errors = NULL "
    "WHERE (sync_metadata.state = 'synced' OR (sync_metadata.state = 'rejected' AND "
    "sync_metadata.base IS NULL AND sync_metadata.remote_version IS NOT NULL)) AND "
    "(coalesce(sync_metadata.remote_version, 0) < excluded.remote_version OR ?5)";
constexpr const char* kTakeRemoteDelete =
    "DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2 AND (state = 'synced' "
    "OR (state = 'rejected' AND base IS NULL AND remote_version IS NOT NULL)) "
    "AND (coalesce(remote_version, 0) < ?3 OR ?5)";  // ?4 (the time) is not needed here

constexpr const char* kOutboxColumns =
    "SELECT seq, entity_type, entity_id, op, base_rev, data, state, attempts, "
    "coalesce(device_id, '') FROM outbox ";

void bind_json_or_null(SqliteStmt& st, int i, const std::optional<json>& v) {
  if (v && !v->is_null())
    st.bind(i, v->dump());
  else
    st.bind_null(i);
}

/// Runs a statement on one record: ?1 its entity, ?2 its id.
void run_on_record(SqliteConn& db, const char* sql, Entity e, const std::string& id) {
  auto st = db.prepare(sql);
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  st.run();
}

}  // namespace

std::string sync_state_schema(int version) {
  if (version == 1) return kV1;
  if (version == 2) return kV2;
  if (version != 3) return "";
  // Version 3: a synced record pulled into the client is written once. Its row carries the
  // server's rev (kRowRevColumn) and it has no bookkeeping row, which only records with local
  // work, a verdict, or a history from before version 3 have. sync_records shows both kinds.
  std::string rev = kRowRevColumn, sql, view;
  for (Entity e : kEntitiesInFkOrder) {
    std::string t(entity_name(e));
    sql += "ALTER TABLE " + t + " ADD COLUMN " + rev + " INTEGER;\n";
    view += " UNION ALL SELECT '" + t + "', r.id, 'synced', 0, r." + rev + ", NULL FROM " + t +
            " r WHERE r." + rev + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_metadata m " +
            "WHERE m.entity_id = r.id AND m.entity_type = '" + t + "')";
  }
  return sql +
         "CREATE VIEW sync_records (entity_type, entity_id, state, local_version, "
         "remote_version, last_synced_at) AS SELECT entity_type, entity_id, state, "
         "local_version, remote_version, last_synced_at FROM sync_metadata" +
         view + ";\n";
}

// --- reads ---

std::optional<RecordSync> SyncState::get(Entity e, const std::string& id) {
  auto st = db_.prepare(
      "SELECT state, local_version, remote_version, last_synced_at, provisional_number, errors, "
      "base FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  if (!st.step()) {
    // No bookkeeping row: a synced record pulled since version 3, whose row has the rev.
    auto row = db_.prepare("SELECT " + std::string(kRowRevColumn) + " FROM " +
                           std::string(entity_name(e)) + " WHERE id = ?1");
    row.bind(1, std::string_view(id));
    if (!row.step() || row.is_null(0)) return std::nullopt;
    RecordSync s;
    s.state = "synced";
    s.remote_version = row.int_at(0);
    return s;
  }
  RecordSync s;
  s.state = st.text_at(0);
  s.local_version = st.int_at(1);
  if (!st.is_null(2)) s.remote_version = st.int_at(2);
  s.last_synced_at = st.text_at(3);
  s.provisional_number = st.int_at(4) != 0;
  if (!st.is_null(5)) s.errors = json::parse(st.view_at(5));
  if (!st.is_null(6)) s.base = json::parse(st.view_at(6));
  return s;
}

std::string SyncState::state_of(Entity e, const std::string& id) {
  auto st =
      db_.prepare("SELECT state FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  return st.step() ? st.text_at(0) : "";
}

std::set<std::pair<Entity, std::string>> SyncState::held_records() {
  // "state <> 'synced'" lets SQLite use the partial index on state.
  auto st = db_.prepare(
      "SELECT entity_type, entity_id FROM sync_metadata WHERE state <> 'synced' AND "
      "state IN ('rejected', 'conflict')");
  std::set<std::pair<Entity, std::string>> out;
  while (st.step())
    if (auto e = parse_entity(st.view_at(0))) out.emplace(*e, st.text_at(1));
  return out;
}

std::vector<UnsettledRecord> SyncState::unsettled(std::string_view state, std::int64_t limit) {
  // "state <> 'synced'" lets SQLite use the partial index on unsettled records.
  auto st = db_.prepare(
      "SELECT entity_type, entity_id, state, remote_version, errors FROM sync_metadata "
      "WHERE state <> 'synced' AND (?1 = '' OR state = ?1) ORDER BY entity_type, entity_id "
      "LIMIT ?2");
  st.bind(1, state).bind(2, limit);
  std::vector<UnsettledRecord> out;
  while (st.step()) {
    auto e = parse_entity(st.view_at(0));
    if (!e) continue;
    UnsettledRecord r;
    r.entity = *e;
    r.id = st.text_at(1);
    r.state = st.text_at(2);
    if (!st.is_null(3)) r.remote_version = st.int_at(3);
    if (!st.is_null(4)) r.errors = json::parse(st.view_at(4), nullptr, false);
    if (r.errors.is_discarded()) r.errors = nullptr;
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t SyncState::count_in_state(std::string_view state) {
  auto st =
      db_.prepare("SELECT count(*) FROM sync_metadata WHERE state <> 'synced' AND state = ?1");
  st.bind(1, state);
  st.step();
  return st.int_at(0);
}

bool SyncState::has_remote_versions() {
  auto st = db_.prepare("SELECT 1 FROM sync_metadata WHERE remote_version IS NOT NULL LIMIT 1");
  if (st.step()) return true;
  for (Entity e : kEntitiesInFkOrder) {
    auto rows = db_.prepare("SELECT 1 FROM " + std::string(entity_name(e)) + " WHERE " +
                            kRowRevColumn + " IS NOT NULL LIMIT 1");
    if (rows.step()) return true;
  }
  return false;
}

bool SyncState::has_any_bookkeeping() {
  auto st = db_.prepare("SELECT 1 FROM sync_metadata LIMIT 1");
  return st.step();
}

bool SyncState::has_bookkeeping(Entity e, std::string_view id) {
  if (!has_row_)
    has_row_ = db_.cached("SELECT 1 FROM sync_metadata WHERE entity_id = ?2 AND entity_type = ?1");
  SqliteStmt st(db_.handle(), has_row_);
  st.bind_static(1, entity_name(e)).bind_static(2, id);
  return st.step();
}

void SyncState::keep_bookkeeping(Entity e, const std::string& id) {
  auto st = db_.prepare(
      "INSERT OR IGNORE INTO sync_metadata (entity_type, entity_id, "
      "remote_version, state) SELECT ?1, id, " +
      std::string(kRowRevColumn) + ", 'synced' FROM " + std::string(entity_name(e)) +
      " WHERE id = ?2 AND " + kRowRevColumn + " IS NOT NULL");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  st.run();
}

std::string SyncState::list_join(Entity e) {
  return " LEFT JOIN sync_metadata m ON m.entity_type = '" + std::string(entity_name(e)) +
         "' AND m.entity_id = t.id";
}

std::string SyncState::list_state_condition(int param) {
  return "coalesce(m.state, 'synced') = ?" + std::to_string(param);
}

// --- a local edit ---

void SyncState::note_local_edit(Entity e, const std::string& id, const std::optional<json>& before,
                                bool provisional_number) {
  keep_bookkeeping(e, id);
  // The first local edit of a synced record remembers the agreed state as the merge base.
  auto st = db_.prepare(
      "INSERT INTO sync_metadata (entity_type, entity_id, local_version, state, base, "
      "provisional_number) VALUES (?1, ?2, 1, 'pending', NULL, ?4) ON CONFLICT (entity_id, "
      "entity_type) DO UPDATE SET local_version = local_version + 1, "
      "base = CASE WHEN base IS NULL AND remote_version IS NOT NULL THEN ?3 ELSE base END, "
      "state = CASE WHEN state = 'conflict' THEN 'conflict' ELSE 'pending' END, "
      "errors = CASE WHEN state = 'conflict' THEN errors ELSE NULL END, "
      "provisional_number = CASE WHEN ?4 THEN 1 ELSE provisional_number END");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  bind_json_or_null(st, 3, before);
  st.bind(4, std::int64_t(provisional_number));
  st.run();
}

void SyncState::enqueue(Entity e, const std::string& id, Op op, const std::optional<json>& row) {
  std::optional<std::int64_t> queued_seq;
  bool inflight = false;
  {
    auto st = db_.prepare(
        "SELECT seq, state FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 ORDER BY seq");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    while (st.step()) {
      if (st.view_at(1) == "queued")
        queued_seq = st.int_at(0);
      else
        inflight = true;
    }
  }
  std::optional<RecordSync> info = get(e, id);
  bool on_server = info && info->remote_version;
  if (op == Op::remove && !on_server && !inflight) {
    forget(e, id);  // never reached the server: nothing to tell it
    return;
  }
  const char* op_name = op == Op::upsert ? "upsert" : "delete";
  if (queued_seq) {
    auto up = db_.prepare("UPDATE outbox SET op = ?2, data = ?3 WHERE seq = ?1");
    up.bind(1, *queued_seq).bind(2, op_name);
    bind_json_or_null(up, 3, row);
    up.run();
    return;
  }
  auto ins = db_.prepare(
      "INSERT INTO outbox (seq, entity_type, entity_id, op, base_rev, data, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  ins.bind(1, next_seq()).bind(2, entity_name(e)).bind(3, std::string_view(id)).bind(4, op_name);
  if (on_server)
    ins.bind(5, *info->remote_version);
  else
    ins.bind_null(5);
  bind_json_or_null(ins, 6, row);
  ins.bind(7, utc_now_iso());
  ins.run();
}

std::int64_t SyncState::next_seq() {
  auto st = db_.prepare(
      "INSERT INTO device (key, value) VALUES ('next_seq', '1') ON CONFLICT (key) DO UPDATE "
      "SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) RETURNING CAST(value AS INTEGER)");
  st.step();
  return st.int_at(0);
}

std::int64_t SyncState::last_used_seq() {
  auto st = db_.prepare("SELECT CAST(value AS INTEGER) FROM device WHERE key = 'next_seq'");
  return st.step() ? st.int_at(0) : 0;
}

// --- what the server said, or what was decided ---

void SyncState::set_meta(Entity e, const std::string& id, std::int64_t rev,
                         const std::optional<json>& base, std::string_view state, bool by_person) {
  // A person's decision is a local change (local_version goes up); it syncs nothing yet.
  auto st = db_.prepare(
      "INSERT INTO sync_metadata (entity_type, entity_id, remote_version, base, state, "
      "last_synced_at) VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?7 THEN NULL ELSE ?6 END) "
      "ON CONFLICT (entity_id, entity_type) DO UPDATE SET "
      "remote_version = excluded.remote_version, base = excluded.base, state = excluded.state, "
      "last_synced_at = CASE WHEN ?7 THEN sync_metadata.last_synced_at ELSE "
      "excluded.last_synced_at END, errors = NULL, local_version = local_version + ?7");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id)).bind(3, rev);
  bind_json_or_null(st, 4, base);
  st.bind(5, state).bind(6, utc_now_iso()).bind(7, std::int64_t(by_person));
  st.run();
}

void SyncState::mark_synced(Entity e, const std::string& id, std::int64_t rev) {
  set_meta(e, id, rev, std::nullopt, "synced");
}

void SyncState::mark_pending(Entity e, const std::string& id, std::int64_t rev,
                             const std::optional<json>& base) {
  set_meta(e, id, rev, base, "pending");
}

void SyncState::set_conflict(Entity e, const std::string& id, std::int64_t rev,
                             const std::optional<json>& remote) {
  set_meta(e, id, rev, remote, "conflict");
}

void SyncState::mark_resolved(Entity e, const std::string& id, std::int64_t rev,
                              const std::optional<json>& base, bool to_push) {
  set_meta(e, id, rev, to_push ? base : std::nullopt, to_push ? "pending" : "synced", true);
}

void SyncState::mark_rejected(Entity e, const std::string& id, const json& errors) {
  auto st = db_.prepare(
      "UPDATE sync_metadata SET state = 'rejected', errors = ?3 WHERE entity_type = ?1 AND "
      "entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  bind_json_or_null(st, 3, errors);
  st.run();
}

void SyncState::mark_delete_refused(Entity e, const std::string& id, std::int64_t rev,
                                    const json& errors) {
  auto st = db_.prepare(
      "UPDATE sync_metadata SET remote_version = ?3, last_synced_at = ?4, base = NULL, "
      "state = 'rejected', errors = ?5, provisional_number = 0 "
      "WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id)).bind(3, rev);
  st.bind(4, utc_now_iso()).bind(5, errors.dump());
  st.run();
}

void SyncState::mark_retry(Entity e, const std::string& id) {
  run_on_record(db_,
                "UPDATE sync_metadata SET state = 'pending', errors = NULL WHERE entity_type = ?1 "
                "AND entity_id = ?2",
                e, id);
}

void SyncState::mark_unchanged(Entity e, const std::string& id) {
  run_on_record(db_,
                "UPDATE sync_metadata SET state = 'synced', base = NULL, errors = NULL "
                "WHERE entity_type = ?1 AND entity_id = ?2",
                e, id);
}

void SyncState::clear_provisional(Entity e, const std::string& id) {
  run_on_record(
      db_,
      "UPDATE sync_metadata SET provisional_number = 0 WHERE entity_type = ?1 AND entity_id = ?2",
      e, id);
}

void SyncState::forget_metadata(Entity e, const std::string& id) {
  run_on_record(db_, "DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2", e, id);
}

void SyncState::forget(Entity e, const std::string& id) {
  drop_entries(e, id);
  forget_metadata(e, id);
}

// --- pull's fast path ---

bool SyncState::take(sqlite3_stmt*& slot, const char* sql, Entity e, std::string_view id,
                     std::int64_t rev, std::string_view now, bool resync) {
  if (!slot) slot = db_.cached(sql);
  SqliteStmt m(db_.handle(), slot);
  m.bind_static(1, entity_name(e)).bind_static(2, id).bind(3, rev).bind_static(4, now);
  m.bind(5, std::int64_t(resync));
  m.run();
  return db_.changes() > 0;
}

bool SyncState::take_remote(Entity e, std::string_view id, std::int64_t rev, std::string_view now,
                            bool resync) {
  return take(take_remote_, kTakeRemote, e, id, rev, now, resync);
}

bool SyncState::take_remote_delete(Entity e, std::string_view id, std::int64_t rev, bool resync) {
  return take(take_remote_delete_, kTakeRemoteDelete, e, id, rev, "", resync);
}

std::vector<std::string> SyncState::forget_synced_unseen(Entity e) {
  constexpr const char* kUnseen =
      "entity_type = ?1 AND state = 'synced' AND NOT EXISTS (SELECT 1 FROM resync_seen s WHERE "
      "s.entity_type = ?1 AND s.entity_id = sync_metadata.entity_id)";
  std::vector<std::string> ids;
  {  // Synced rows without bookkeeping (they have a rev): nothing to drop but the row.
    std::string t(entity_name(e));
    auto st = db_.prepare("SELECT id FROM " + t + " r WHERE " + kRowRevColumn +
                          " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_metadata m WHERE "
                          "m.entity_id = r.id AND m.entity_type = ?1) AND NOT EXISTS (SELECT 1 "
                          "FROM resync_seen s WHERE s.entity_type = ?1 AND s.entity_id = r.id)");
    st.bind(1, entity_name(e));
    while (st.step()) ids.push_back(st.text_at(0));
  }
  {
    auto st = db_.prepare(std::string("SELECT entity_id FROM sync_metadata WHERE ") + kUnseen);
    st.bind(1, entity_name(e));
    while (st.step()) ids.push_back(st.text_at(0));
  }
  auto del = db_.prepare(std::string("DELETE FROM sync_metadata WHERE ") + kUnseen);
  del.bind(1, entity_name(e));
  del.run();
  return ids;
}

// --- the outbox ---

std::vector<OutboxEntry> SyncState::collect(SqliteStmt& st) {
  std::vector<OutboxEntry> out;
  while (st.step()) {
    OutboxEntry o;
    o.seq = st.int_at(0);
    o.entity = parse_entity(st.view_at(1)).value_or(Entity::customers);
    o.id = st.text_at(2);
    o.op = st.view_at(3) == "delete" ? Op::remove : Op::upsert;
    if (!st.is_null(4)) o.base_rev = st.int_at(4);
    o.data = st.is_null(5) ? json(nullptr) : json::parse(st.view_at(5));
    o.state = st.text_at(6);
    o.attempts = st.int_at(7);
    o.device_id = st.text_at(8);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<OutboxEntry> SyncState::outbox_for(Entity e, const std::string& id) {
  auto st = db_.prepare(std::string(kOutboxColumns) +
                        "WHERE entity_type = ?1 AND entity_id = ?2 ORDER BY seq");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  return collect(st);
}

std::vector<OutboxEntry> SyncState::queued_window(Entity e, std::int64_t after_seq,
                                                  std::int64_t n) {
  // "+entity_type": read the outbox in seq order from the window's start, not through the
  // (entity_type, entity_id) index, which would gather and sort every queued entry of the entity
  // for each batch: a push of N offline changes took time in N squared.
  auto st = db_.prepare(std::string(kOutboxColumns) +
                        "WHERE state = 'queued' AND +entity_type = ?1 AND seq > ?2 ORDER BY seq "
                        "LIMIT ?3");
  st.bind(1, entity_name(e)).bind(2, after_seq).bind(3, n);
  return collect(st);
}

std::vector<OutboxEntry> SyncState::inflight_window(Entity e, const std::string& device_id,
                                                    std::int64_t n) {
  auto st = db_.prepare(std::string(kOutboxColumns) +
                        "WHERE state = 'inflight' AND +entity_type = ?1 AND "
                        "coalesce(device_id, '') = ?2 ORDER BY seq LIMIT ?3");  // (as above)
  st.bind(1, entity_name(e)).bind(2, std::string_view(device_id)).bind(3, n);
  return collect(st);
}

std::optional<std::string> SyncState::oldest_inflight_device() {
  auto st = db_.prepare(
      "SELECT coalesce(device_id, '') FROM outbox WHERE state = 'inflight' ORDER BY seq LIMIT 1");
  if (!st.step()) return std::nullopt;
  return st.text_at(0);
}

std::int64_t SyncState::inflight_count() {
  auto st = db_.prepare("SELECT count(*) FROM outbox WHERE state = 'inflight'");
  st.step();
  return st.int_at(0);
}

std::int64_t SyncState::outbox_size() {
  auto st = db_.prepare("SELECT count(*) FROM outbox");
  st.step();
  return st.int_at(0);
}

bool SyncState::has_entries(Entity e, const std::string& id) {
  auto st = db_.prepare("SELECT 1 FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 LIMIT 1");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  return st.step();
}

void SyncState::mark_sent(std::int64_t seq, const std::string& device_id) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'inflight', attempts = attempts + 1, device_id = ?2 "
      "WHERE seq = ?1");
  st.bind(1, seq).bind(2, std::string_view(device_id));
  st.run();
}

namespace {

/// "[1,2,3]": a list of seqs as one parameter, for json_each().
std::string seq_list(const std::vector<std::int64_t>& seqs) {
  std::string out = "[";
  for (std::int64_t s : seqs) {
    if (out.size() > 1) out += ',';
    out += std::to_string(s);
  }
  return out + "]";
}

}  // namespace

void SyncState::mark_sent(const std::vector<std::int64_t>& seqs, const std::string& device_id) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'inflight', attempts = attempts + 1, device_id = ?2 "
      "WHERE seq IN (SELECT value FROM json_each(?1))");
  st.bind(1, seq_list(seqs)).bind(2, std::string_view(device_id));
  st.run();
}

void SyncState::remove_entries(const std::vector<std::int64_t>& seqs) {
  auto st = db_.prepare("DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?1))");
  st.bind(1, seq_list(seqs));
  st.run();
}

void SyncState::requeue(std::int64_t seq) {
  auto st = db_.prepare("UPDATE outbox SET state = 'queued', device_id = NULL WHERE seq = ?1");
  st.bind(1, seq);
  st.run();
}

void SyncState::unmark_sent(std::int64_t seq, const std::string& device_id) {
  auto st = db_.prepare(
      "UPDATE outbox SET state = 'queued', attempts = max(attempts - 1, 0), "
      "device_id = nullif(?2, '') WHERE seq = ?1 AND state = 'inflight'");
  st.bind(1, seq).bind(2, std::string_view(device_id));
  st.run();
}

void SyncState::rebase_entries(Entity e, const std::string& id, std::int64_t rev) {
  auto st =
      db_.prepare("UPDATE outbox SET base_rev = ?3 WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id)).bind(3, rev);
  st.run();
}

void SyncState::drop_queued(Entity e, const std::string& id) {
  run_on_record(db_,
                "DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 AND state = 'queued'",
                e, id);
}

void SyncState::drop_entries(Entity e, const std::string& id) {
  run_on_record(db_, "DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2", e, id);
}

}  // namespace craftsync
