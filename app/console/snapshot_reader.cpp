#include "app/console/snapshot_reader.hpp"

#include <algorithm>
#include <cstdio>

namespace craftsync::console {

using nlohmann::json;

RowView row_view(Entity e, const json& row, const std::optional<RecordSync>& sync) {
  RowView v;
  v.id = row.value("id", "");
  for (const FieldSpec& f : fields_of(e)) {
    auto it = row.find(f.name);
    v.cells.push_back(it != row.end() && it->is_string() ? it->get<std::string>() : "");
  }
  if (sync) {
    v.state = sync->state;
    v.provisional = sync->provisional_number;
  } else {
    v.state = "synced";
  }
  return v;
}

std::shared_ptr<const TablePage> read_page(SyncEngine& engine, const TableQuery& query,
                                           std::int64_t total, std::uint64_t generation) {
  auto page = std::make_shared<TablePage>();
  page->query = query;
  page->query.offset = std::max<std::int64_t>(0, query.offset);
  page->query.limit = std::clamp<std::int64_t>(query.limit, 1, 2000);
  page->total = total;
  page->data_generation = generation;
  ListQuery q{query.search, query.state, page->query.offset, page->query.limit};
  RecordStore& store = engine.records();
  for (const json& row : store.list(query.entity, q)) {
    std::string id = row.value("id", "");
    page->rows.push_back(row_view(query.entity, row, store.sync_info(query.entity, id)));
  }
  return page;
}

std::shared_ptr<const RecordDetail> read_detail(SyncEngine& engine, Entity e,
                                                const std::string& id) {
  auto d = std::make_shared<RecordDetail>();
  d->entity = e;
  d->id = id;
  RecordStore& store = engine.records();
  if (auto row = store.read_row(e, id)) {
    d->found = true;
    d->row = *row;
  }
  d->sync = store.sync_info(e, id);
  d->outbox = store.outbox_for(e, id);
  return d;
}

ConflictLists read_conflicts(SyncEngine& engine, std::size_t history_limit) {
  auto open = std::make_shared<std::vector<ConflictRecord>>();
  auto resolved = std::make_shared<std::vector<ConflictRecord>>();
  for (auto& c : engine.conflicts(true)) (c.resolved ? *resolved : *open).push_back(std::move(c));
  std::reverse(resolved->begin(), resolved->end());
  if (resolved->size() > history_limit) resolved->resize(history_limit);
  return {std::move(open), std::move(resolved)};
}

std::string describe_report(const SyncReport& r) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", static_cast<double>(r.duration_ms) / 1000.0);
  if (r.cancelled) return std::string("Sync cancelled after ") + secs;
  if (!r.ok) return "Sync failed: " + r.error;
  std::string s =
      "Synced: " + std::to_string(r.pulled) + " pulled, " + std::to_string(r.pushed) + " pushed";
  if (r.merged) s += ", " + std::to_string(r.merged) + " merged";
  if (r.conflicts) s += ", " + std::to_string(r.conflicts) + " conflicts";
  if (r.rejected) s += ", " + std::to_string(r.rejected) + " rejected";
  return s + " in " + secs;
}

}  // namespace craftsync::console
