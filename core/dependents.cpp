#include "core/dependents.hpp"

#include <algorithm>

#include "core/conflicts.hpp"
#include "core/entity_sql.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_state.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

/// Direct children: rows of any entity whose reference field names (e, id).
std::vector<RecordRef> child_records(SqliteConn& db, Entity e, const std::string& id) {
  std::vector<RecordRef> out;
  for (const ChildLink& link : children_of(e)) {
    auto st = db.prepare(child_ids_sql(link, '?'));
    st.bind(1, std::string_view(id));
    while (st.step()) {
      RecordRef r{link.child, st.text_at(0)};
      if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(std::move(r));
    }
  }
  return out;
}

void delete_bookkeeping(SqliteConn& db, RecordStore& store, const RecordRef& r) {
  store.sync().forget(r.entity, r.id);
  auto st = db.prepare("DELETE FROM remote_deletes WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(r.entity)).bind(2, std::string_view(r.id));
  st.run();
}

}  // namespace

bool bring_back_parents(SqliteConn& db, RecordStore& store, Entity e, const json& row) {
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind != FieldKind::reference || !f.references) continue;
    auto it = row.find(f.name);
    if (it == row.end() || !it->is_string()) continue;
    Entity parent = *f.references;
    std::string id = it->get<std::string>();
    if (store.read_row(parent, id)) continue;
    auto info = store.sync_info(parent, id);
    if (!info || !info->base.is_object() || !info->remote_version) return false;
    bool only_queued_delete = false;
    for (const auto& o : store.outbox_for(parent, id)) {
      if (o.state != "queued") return false;
      only_queued_delete = o.op == Op::remove;
    }
    if (!only_queued_delete) return false;
    if (!bring_back_parents(db, store, parent, info->base)) return false;
    store.sync().drop_entries(parent, id);
    store.write_row(parent, id, info->base);
    store.sync().mark_unchanged(parent, id);
  }
  return true;
}

std::vector<RecordRef> descendants_of(SqliteConn& db, Entity e, const std::string& id) {
  std::vector<RecordRef> order;  // breadth first: parents before their children
  std::vector<RecordRef> frontier = child_records(db, e, id);
  while (!frontier.empty()) {
    std::vector<RecordRef> next;
    for (auto& r : frontier) {
      if (std::find(order.begin(), order.end(), r) != order.end()) continue;
      for (auto& c : child_records(db, r.entity, r.id)) next.push_back(std::move(c));
      order.push_back(std::move(r));
    }
    frontier = std::move(next);
  }
  std::reverse(order.begin(), order.end());
  return order;
}

std::vector<RecordRef> unsettled_descendants(SqliteConn& db, Entity e, const std::string& id) {
  std::vector<RecordRef> out;
  for (auto& r : descendants_of(db, e, id)) {
    std::string state = SyncState(db).state_of(r.entity, r.id);
    if (!state.empty() && state != "synced") out.push_back(std::move(r));
  }
  return out;
}

void discard_descendants(SqliteConn& db, RecordStore& store, Entity e, const std::string& id) {
  Outcome why =
      Outcome::discarded(std::string(entity_name(e)) + " " + id + " was deleted on the server");
  for (const RecordRef& r : descendants_of(db, e, id)) {
    std::string state = SyncState(db).state_of(r.entity, r.id);
    close_open_conflicts(db, r.entity, r.id, why);
    if (!state.empty() && state != "synced") {
      NewConflict c;
      c.entity = r.entity;
      c.entity_id = r.id;
      c.local = store.read_row(r.entity, r.id).value_or(json(nullptr));
      c.fields = {std::string(kDiscardedField)};
      c.resolution = why;
      insert_conflict(db, c);
    }
    delete_bookkeeping(db, store, r);
    store.delete_row(r.entity, r.id);
  }
}

void requeue_refused_descendants(SqliteConn& db, RecordStore& store, Entity e,
                                 const std::string& id) {
  for (const RecordRef& r : descendants_of(db, e, id)) {
    if (SyncState(db).state_of(r.entity, r.id) != "rejected") continue;
    auto row = store.read_row(r.entity, r.id);
    if (!row) continue;
    store.sync().mark_retry(r.entity, r.id);
    store.sync().enqueue(r.entity, r.id, Op::upsert, row);
  }
}

}  // namespace craftsync
