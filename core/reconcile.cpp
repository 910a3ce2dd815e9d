#include "core/reconcile.hpp"

#include "core/conflicts.hpp"
#include "core/dependents.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

json state_json(const RecordState& s) {
  return s ? *s : json(nullptr);
}

void clear_provisional_if_numbered(SyncState& sync, Entity e, const std::string& id,
                                   const RecordState& row) {
  auto field = number_field(e);
  if (!field || !row) return;
  auto it = row->find(*field);
  if (it == row->end() || !it->is_string() || is_provisional_number(it->get<std::string>())) return;
  sync.clear_provisional(e, id);
}

json field_list(const MergeResult& r) {
  if (r.delete_conflict) return json::array({std::string(kDeletedField)});
  return r.conflicts;
}

std::int64_t open_conflict_id(SqliteConn& db, Entity e, const std::string& id) {
  auto st = db.prepare(
      "SELECT id FROM sync_conflicts WHERE entity_type = ?1 AND entity_id = ?2 AND resolved = 0 "
      "ORDER BY id DESC LIMIT 1");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  return st.step() ? st.int_at(0) : 0;
}

void store_conflict(SqliteConn& db, Entity e, const std::string& id, const RecordState& base,
                    const RecordState& local, const RecordState& remote, std::int64_t rev,
                    const MergeResult& r, const Outcome& resolution,
                    const std::vector<RecordRef>& dependents) {
  NewConflict c;
  c.entity = e;
  c.entity_id = id;
  c.base = state_json(base);
  c.local = state_json(local);
  c.remote = state_json(remote);
  c.fields = field_list(r).get<std::vector<std::string>>();
  c.merged_fields = r.auto_merged;
  c.remote_rev = rev;
  c.resolution = resolution;
  c.dependents = dependents;
  insert_conflict(db, c);
}

/// A record deleted on the server that local, unsynced records still refer to: a conflict,
/// like delete versus edit. Keeping the delete discards those records; keeping ours restores.
void make_delete_conflict(MergeResult& r, const RecordState& local, ConflictPolicy policy) {
  r.delete_conflict = true;
  r.needs_person = policy == ConflictPolicy::manual;
  bool take_local = policy != ConflictPolicy::remote;
  r.merged = take_local ? local : RecordState{};
  r.needs_push = take_local;
}

}  // namespace

ReconcileOutcome reconcile(SqliteConn& db, RecordStore& store, Entity e, const std::string& id,
                           const RecordState& remote, std::int64_t remote_rev,
                           ConflictPolicy policy) {
  ReconcileOutcome out;
  SyncState& sync = store.sync();
  auto info = sync.get(e, id);
  RecordState local = store.read_row(e, id);
  RecordState base;
  if (info && info->base.is_object())
    base = info->base;
  else if (info && info->base.is_null() && info->state != "pending" && info->state != "conflict")
    base = local;  // synced (or a refused delete put back): the row is the agreed state
  std::vector<RecordRef> dependents;
  if (!remote && local) dependents = unsettled_descendants(db, e, id);

  // A record already waiting for a person: keep the person's view current, decide nothing.
  if (info && info->state == "conflict") {
    if (std::int64_t cid = open_conflict_id(db, e, id)) {
      auto st = db.prepare(
          "UPDATE sync_conflicts SET remote = ?2, remote_rev = ?3, dependents = ?4 WHERE id = ?1");
      st.bind(1, cid).bind(2, state_json(remote).dump()).bind(3, remote_rev);
      st.bind(4, to_json(dependents).dump());
      st.run();
      sync.set_conflict(e, id, remote_rev, remote);
      sync.drop_queued(e, id);
      out.conflict = true;
      return out;
    }
  }

  MergeResult r = merge_records(e, base, local, remote, policy);
  if (!remote && local && !r.delete_conflict && !dependents.empty())
    make_delete_conflict(r, local, policy);
  out.merged = !r.auto_merged.empty();
  out.conflict = r.has_conflict();
  sync.drop_queued(e, id);

  if (r.needs_person) {
    store_conflict(db, e, id, base, local, remote, remote_rev, r, Outcome{}, dependents);
    sync.set_conflict(e, id, remote_rev, remote);
    return out;
  }
  if (r.has_conflict())
    store_conflict(db, e, id, base, local, remote, remote_rev, r,
                   Outcome::automatic(policy == ConflictPolicy::local ? Side::local : Side::remote),
                   dependents);

  if (!r.needs_push) {
    // Nothing of ours is left to send: the record becomes exactly the server's row.
    if (remote) {
      store.write_row(e, id, *remote);
      sync.mark_synced(e, id, remote_rev);
      clear_provisional_if_numbered(sync, e, id, remote);
    } else {
      discard_descendants(db, store, e, id);
      store.delete_row(e, id);
      sync.forget_metadata(e, id);
    }
    return out;
  }
  if (r.merged)
    store.write_row(e, id, *r.merged);
  else
    store.delete_row(e, id);
  sync.mark_pending(e, id, remote_rev, remote);
  clear_provisional_if_numbered(sync, e, id, r.merged);
  sync.enqueue(e, id, r.merged ? Op::upsert : Op::remove, r.merged);
  // Restoring a record the server deleted: what it refused for want of it can go again.
  if (r.merged && !remote) requeue_refused_descendants(db, store, e, id);
  return out;
}

}  // namespace craftsync
