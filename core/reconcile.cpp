#include "core/reconcile.hpp"

#include "core/clock.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

json state_json(const RecordState& s) {
  return s ? *s : json(nullptr);
}

void drop_queued(SqliteConn& db, Entity e, const std::string& id) {
  auto st = db.prepare(
      "DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 AND state = 'queued'");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  st.run();
}

void set_meta(SqliteConn& db, Entity e, const std::string& id, std::int64_t rev,
              const RecordState& base, const std::string& state) {
  auto st = db.prepare(
      "INSERT INTO sync_metadata (entity_type, entity_id, remote_version, base, state, "
      "last_synced_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (entity_id, entity_type) DO UPDATE SET "
      "remote_version = excluded.remote_version, base = excluded.base, state = excluded.state, "
      "last_synced_at = excluded.last_synced_at, errors = NULL");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id)).bind(3, rev);
  if (base)
    st.bind(4, base->dump());
  else
    st.bind_null(4);
  st.bind(5, std::string_view(state)).bind(6, utc_now_iso());
  st.run();
}

void clear_provisional_if_numbered(SqliteConn& db, Entity e, const std::string& id,
                                   const RecordState& row) {
  auto field = number_field(e);
  if (!field || !row) return;
  auto it = row->find(*field);
  if (it == row->end() || !it->is_string() ||
      it->get<std::string>().find("-PENDING-") != std::string::npos)
    return;
  auto st = db.prepare(
      "UPDATE sync_metadata SET provisional_number = 0 WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  st.run();
}

json field_list(const MergeResult& r) {
  if (r.delete_conflict) return json::array({"_deleted"});
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
                    const MergeResult& r, bool resolved, const std::string& resolution) {
  auto st = db.prepare(
      "INSERT INTO sync_conflicts (entity_type, entity_id, base, local, remote, fields, "
      "merged_fields, "
      "remote_rev, resolved, resolution, resolved_at, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  std::string now = utc_now_iso();
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  st.bind(3, state_json(base).dump())
      .bind(4, state_json(local).dump())
      .bind(5, state_json(remote).dump());
  st.bind(6, field_list(r).dump()).bind(7, json(r.auto_merged).dump()).bind(8, rev);
  st.bind(9, std::int64_t(resolved ? 1 : 0));
  if (resolved)
    st.bind(10, std::string_view(resolution)).bind(11, std::string_view(now));
  else
    st.bind_null(10).bind_null(11);
  st.bind(12, std::string_view(now));
  st.run();
}

}  // namespace

ReconcileOutcome reconcile(SqliteConn& db, RecordStore& store, Entity e, const std::string& id,
                           const RecordState& remote, std::int64_t remote_rev,
                           ConflictPolicy policy) {
  ReconcileOutcome out;
  auto info = store.sync_info(e, id);
  RecordState local = store.read_row(e, id);
  RecordState base;
  if (info && info->base.is_object())
    base = info->base;
  else if (info && info->base.is_null() && info->state == "synced")
    base = local;

  // A record already waiting for a person: keep the person's view current, decide nothing.
  if (info && info->state == "conflict") {
    if (std::int64_t cid = open_conflict_id(db, e, id)) {
      auto st = db.prepare("UPDATE sync_conflicts SET remote = ?2, remote_rev = ?3 WHERE id = ?1");
      st.bind(1, cid).bind(2, state_json(remote).dump()).bind(3, remote_rev);
      st.run();
      set_meta(db, e, id, remote_rev, remote, "conflict");
      drop_queued(db, e, id);
      out.conflict = out.needs_person = true;
      return out;
    }
  }

  MergeResult r = merge_records(e, base, local, remote, policy);
  out.merged = !r.auto_merged.empty();
  out.conflict = r.has_conflict();
  drop_queued(db, e, id);

  if (r.needs_person) {
    store_conflict(db, e, id, base, local, remote, remote_rev, r, false, "");
    set_meta(db, e, id, remote_rev, remote, "conflict");
    out.needs_person = true;
    return out;
  }
  if (r.has_conflict())
    store_conflict(db, e, id, base, local, remote, remote_rev, r, true,
                   policy == ConflictPolicy::local ? "auto_local" : "auto_remote");

  if (r.merged)
    store.write_row(e, id, *r.merged);
  else
    store.delete_row(e, id);

  if (!r.needs_push) {
    if (r.merged) {
      set_meta(db, e, id, remote_rev, std::nullopt, "synced");
      clear_provisional_if_numbered(db, e, id, r.merged);
    } else {
      auto st = db.prepare("DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
      st.bind(1, entity_name(e)).bind(2, std::string_view(id));
      st.run();
    }
    return out;
  }
  set_meta(db, e, id, remote_rev, remote, "pending");
  clear_provisional_if_numbered(db, e, id, r.merged);
  store.enqueue(e, id, r.merged ? Op::upsert : Op::remove, r.merged);
  return out;
}

}  // namespace craftsync
