#include "core/conflicts.hpp"

#include "core/clock.hpp"
#include "core/dependents.hpp"
#include "core/merge.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

constexpr const char* kCols =
    "SELECT id, entity_type, entity_id, fields, merged_fields, base, local, remote, remote_rev, "
    "resolved, "
    "coalesce(resolution, ''), coalesce(resolved_at, ''), created_at, dependents FROM "
    "sync_conflicts";

ConflictRecord read(SqliteStmt& st) {
  ConflictRecord c;
  c.id = st.int_at(0);
  c.entity = parse_entity(st.view_at(1)).value_or(Entity::customers);
  c.entity_id = st.text_at(2);
  c.fields = json::parse(st.view_at(3)).get<std::vector<std::string>>();
  c.merged_fields = json::parse(st.view_at(4)).get<std::vector<std::string>>();
  c.base = st.is_null(5) ? json(nullptr) : json::parse(st.view_at(5));
  c.local = st.is_null(6) ? json(nullptr) : json::parse(st.view_at(6));
  c.remote = st.is_null(7) ? json(nullptr) : json::parse(st.view_at(7));
  c.remote_rev = st.int_at(8);
  c.resolved = st.int_at(9) != 0;
  c.resolution = Outcome::parse(st.view_at(10));
  c.resolved_at = st.text_at(11);
  c.created_at = st.text_at(12);
  c.dependents = refs_from_json(json::parse(st.view_at(13)));
  return c;
}

RecordState state_of(const json& j) {
  return j.is_object() ? RecordState{j} : RecordState{};
}

}  // namespace

std::int64_t insert_conflict(SqliteConn& db, const NewConflict& c) {
  auto st = db.prepare(
      "INSERT INTO sync_conflicts (entity_type, entity_id, base, local, remote, fields, "
      "merged_fields, remote_rev, resolved, resolution, resolved_at, created_at, dependents) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  std::string now = utc_now_iso();
  bool resolved = !c.resolution.open();
  st.bind(1, entity_name(c.entity)).bind(2, std::string_view(c.entity_id));
  st.bind(3, c.base.dump()).bind(4, c.local.dump()).bind(5, c.remote.dump());
  st.bind(6, json(c.fields).dump()).bind(7, json(c.merged_fields).dump()).bind(8, c.remote_rev);
  st.bind(9, std::int64_t(resolved ? 1 : 0));
  if (resolved)
    st.bind(10, c.resolution.text()).bind(11, std::string_view(now));
  else
    st.bind_null(10).bind_null(11);
  st.bind(12, std::string_view(now)).bind(13, to_json(c.dependents).dump());
  st.run();
  return sqlite3_last_insert_rowid(db.handle());
}

void close_open_conflicts(SqliteConn& db, Entity e, const std::string& id,
                          const Outcome& resolution) {
  auto st = db.prepare(
      "UPDATE sync_conflicts SET resolved = 1, resolution = ?3, resolved_at = ?4 "
      "WHERE entity_type = ?1 AND entity_id = ?2 AND resolved = 0");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  st.bind(3, resolution.text()).bind(4, utc_now_iso());
  st.run();
}

std::vector<ConflictRecord> list_conflicts(SqliteConn& db, bool include_resolved) {
  auto st = db.prepare(std::string(kCols) + (include_resolved ? "" : " WHERE resolved = 0") +
                       " ORDER BY id");
  std::vector<ConflictRecord> out;
  while (st.step()) out.push_back(read(st));
  return out;
}

std::optional<ConflictRecord> find_conflict(SqliteConn& db, std::int64_t id) {
  auto st = db.prepare(std::string(kCols) + " WHERE id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read(st);
}

std::int64_t open_conflict_count(SqliteConn& db) {
  auto st = db.prepare("SELECT count(*) FROM sync_conflicts WHERE resolved = 0");
  st.step();
  return st.int_at(0);
}

void resolve_conflict(SqliteConn& db, RecordStore& store, std::int64_t id, const Resolution& res) {
  SqliteTxn txn(db);
  auto found = find_conflict(db, id);
  if (!found) throw UserError("no conflict with id " + std::to_string(id));
  const ConflictRecord& c = *found;
  if (c.resolved)
    throw UserError("conflict " + std::to_string(id) + " is already resolved (" +
                    c.resolution.text() + ")");

  if (!res.keep) {
    for (const auto& [field, side] : res.fields) {
      (void)side;
      if (std::find(c.fields.begin(), c.fields.end(), field) == c.fields.end())
        throw UserError("'" + field +
                        "' is not in conflict here (conflicting: " + json(c.fields).dump() + ")");
    }
    for (const auto& f : c.fields)
      if (!res.fields.count(f)) throw UserError("choose local or remote for field '" + f + "'");
  }

  // The local side is the record as it stands now (the person may have edited it since).
  RecordState local = store.read_row(c.entity, c.entity_id);
  RecordState remote = state_of(c.remote);
  RecordState final_state;
  Outcome resolution = Outcome::of(res);
  if (c.is_delete()) {
    Side side = res.keep ? *res.keep : res.fields.at(std::string(kDeletedField));
    final_state = side == Side::local ? local : remote;
    resolution = Outcome::of({side, {}});
  } else {
    MergeResult m = merge_records(c.entity, state_of(c.base), local, remote, ConflictPolicy::local);
    final_state = m.merged;
    if (!res.keep) resolution.fields.clear();
    for (const auto& f : m.conflicts) {
      Side side = res.keep ? *res.keep : res.fields.count(f) ? res.fields.at(f) : Side::local;
      if (side == Side::remote && final_state && remote) (*final_state)[f] = (*remote)[f];
      if (!res.keep) resolution.fields[f] = side;
    }
  }

  SyncState& sync = store.sync();
  auto info = sync.get(c.entity, c.entity_id);
  std::int64_t latest = info && info->remote_version ? *info->remote_version : c.remote_rev;
  sync.drop_queued(c.entity, c.entity_id);
  bool equals_remote = (!final_state && !remote) ||
                       (final_state && remote && same_user_fields(c.entity, *final_state, *remote));
  // The record may have come back to life on the server while the conflict waited (someone
  // restored it): whatever is kept carries the numbers the server gave it.
  if (final_state && remote) take_server_owned_fields(c.entity, *remote, *final_state);
  if (final_state) {
    if (!bring_back_parents(db, store, c.entity, *final_state))
      throw UserError("the " + std::string(entity_name(c.entity)) +
                      " kept here refers to a record "
                      "this client has deleted and already sent; sync once more, then resolve");
    // When nothing is left to push, the record is the server's row, timestamps and all.
    store.write_row(c.entity, c.entity_id, equals_remote && remote ? *remote : *final_state);
  } else {
    // The server's delete stands: what still refers to the record locally goes too (kept in
    // history). Our own delete stands: it is pushed, and the server refuses it if records
    // there still refer to this one (the record then comes back, marked rejected).
    if (!remote) discard_descendants(db, store, c.entity, c.entity_id);
    store.delete_row(c.entity, c.entity_id);
  }

  if (equals_remote && !final_state)
    sync.forget_metadata(c.entity, c.entity_id);
  else
    sync.mark_resolved(c.entity, c.entity_id, latest, remote, !equals_remote);
  if (!equals_remote) {
    sync.enqueue(c.entity, c.entity_id, final_state ? Op::upsert : Op::remove, final_state);
    // A restore: records the server refused for want of this one can go again after it.
    if (final_state && !remote) requeue_refused_descendants(db, store, c.entity, c.entity_id);
  }

  // The history keeps the local side as it was when the person decided (they may have edited
  // the record while it waited), so that whatever their choice dropped can be restored.
  auto done = db.prepare(
      "UPDATE sync_conflicts SET resolved = 1, resolution = ?2, resolved_at = ?3, local = ?4 "
      "WHERE id = ?1");
  done.bind(1, id).bind(2, resolution.text()).bind(3, utc_now_iso());
  done.bind(4, local ? local->dump() : std::string("null"));
  done.run();
  txn.commit();
}

void restore_value(RecordStore& store, const ConflictRecord& c, Side side,
                   const std::string& field) {
  const json& source = side == Side::local ? c.local : c.remote;
  if (!source.is_object() || !source.contains(field))
    throw UserError("conflict " + std::to_string(c.id) + " has no " +
                    (side == Side::local ? "local" : "remote") + " value for '" + field + "'");
  store.update(c.entity, c.entity_id, json{{field, source[field]}});
}

}  // namespace craftsync
