#include "core/dependents.hpp"

#include <algorithm>

#include "core/conflicts.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

/// Direct children: rows of any entity whose reference field names (e, id).
std::vector<RecordRef> children_of(SqliteConn& db, Entity e, const std::string& id) {
  std::vector<RecordRef> out;
  for (Entity child : kEntitiesInFkOrder) {
    for (const FieldSpec& f : fields_of(child)) {
      if (f.kind != FieldKind::reference || f.references != e) continue;
      auto st = db.prepare("SELECT id FROM " + std::string(entity_name(child)) + " WHERE " +
                           std::string(f.name) + " = ?1");
      st.bind(1, std::string_view(id));
      while (st.step()) {
        RecordRef r{child, st.text_at(0)};
        if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(std::move(r));
      }
    }
  }
  return out;
}

void delete_bookkeeping(SqliteConn& db, const RecordRef& r) {
  for (const char* sql : {"DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2",
                          "DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2",
                          "DELETE FROM remote_deletes WHERE entity_type = ?1 AND entity_id = ?2"}) {
    auto st = db.prepare(sql);
    st.bind(1, entity_name(r.entity)).bind(2, std::string_view(r.id));
    st.run();
  }
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
    auto drop = db.prepare("DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2");
    drop.bind(1, entity_name(parent)).bind(2, std::string_view(id));
    drop.run();
    store.write_row(parent, id, info->base);
    auto meta = db.prepare(
        "UPDATE sync_metadata SET state = 'synced', base = NULL, errors = NULL "
        "WHERE entity_type = ?1 AND entity_id = ?2");
    meta.bind(1, entity_name(parent)).bind(2, std::string_view(id));
    meta.run();
  }
  return true;
}

std::string sync_state_of(SqliteConn& db, Entity e, const std::string& id) {
  auto st = db.prepare("SELECT state FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  return st.step() ? st.text_at(0) : "";
}

std::vector<RecordRef> descendants_of(SqliteConn& db, Entity e, const std::string& id) {
  std::vector<RecordRef> order;  // breadth first: parents before their children
  std::vector<RecordRef> frontier = children_of(db, e, id);
  while (!frontier.empty()) {
    std::vector<RecordRef> next;
    for (auto& r : frontier) {
      if (std::find(order.begin(), order.end(), r) != order.end()) continue;
      for (auto& c : children_of(db, r.entity, r.id)) next.push_back(std::move(c));
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
    std::string state = sync_state_of(db, r.entity, r.id);
    if (!state.empty() && state != "synced") out.push_back(std::move(r));
  }
  return out;
}

void discard_descendants(SqliteConn& db, RecordStore& store, Entity e, const std::string& id) {
  Outcome why =
      Outcome::discarded(std::string(entity_name(e)) + " " + id + " was deleted on the server");
  for (const RecordRef& r : descendants_of(db, e, id)) {
    std::string state = sync_state_of(db, r.entity, r.id);
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
    delete_bookkeeping(db, r);
    store.delete_row(r.entity, r.id);
  }
}

void requeue_refused_descendants(SqliteConn& db, RecordStore& store, Entity e,
                                 const std::string& id) {
  for (const RecordRef& r : descendants_of(db, e, id)) {
    if (sync_state_of(db, r.entity, r.id) != "rejected") continue;
    auto row = store.read_row(r.entity, r.id);
    if (!row) continue;
    store.set_state(r.entity, r.id, "pending");
    store.enqueue(r.entity, r.id, Op::upsert, row);
  }
}

}  // namespace craftsync
