#include "app/console/read_model.hpp"

#include <algorithm>
#include <memory>
#include <vector>

namespace craftsync::console {
namespace {

using nlohmann::json;

constexpr std::size_t kResolvedHistory = 200;
constexpr int kRunHistory = 200;
constexpr std::int64_t kMaxPageRows = 2000;

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

// Rows [query.offset, query.offset + query.limit) of the filtered table, with their sync state.
std::shared_ptr<const TablePage> read_page(RecordStore& store, const TableQuery& query,
                                           std::int64_t total, std::uint64_t generation) {
  auto page = std::make_shared<TablePage>();
  page->query = query;
  page->query.offset = std::max<std::int64_t>(0, query.offset);
  page->query.limit = std::clamp<std::int64_t>(query.limit, 1, kMaxPageRows);
  page->total = total;
  page->data_generation = generation;
  ListQuery q{query.search, query.state, page->query.offset, page->query.limit};
  for (const json& row : store.list(query.entity, q)) {
    std::string id = row.value("id", "");
    page->rows.push_back(row_view(query.entity, row, store.sync_info(query.entity, id)));
  }
  return page;
}

std::shared_ptr<const RecordDetail> read_detail(RecordStore& store, Entity e,
                                                const std::string& id) {
  auto d = std::make_shared<RecordDetail>();
  d->entity = e;
  d->id = id;
  if (auto row = store.read_row(e, id)) {
    d->found = true;
    d->row = *row;
  }
  d->sync = store.sync_info(e, id);
  d->outbox = store.outbox_for(e, id);
  if (d->found) d->dependents = store.dependents(e, id);
  return d;
}

}  // namespace

void ReadModel::browse(const TableQuery& q, Snapshot& snap) {
  browsed_[entity_index(q.entity)] = q;
  active_table_ = q.entity;
  refresh_page(q.entity, snap);
}

void ReadModel::show(Entity e, const std::string& id, Snapshot& snap) {
  if (id.empty()) {
    shown_.reset();
    snap.detail.reset();
    return;
  }
  shown_ = std::make_pair(e, id);
  snap.detail = read_detail(engine_.records(), e, id);
}

void ReadModel::after_edit(Entity e, const std::optional<std::string>& created_id, Snapshot& snap) {
  snap.status = engine_.status();
  refresh_page(e, snap);
  if (created_id)
    show(e, *created_id, snap);
  else
    refresh_detail(snap);
}

void ReadModel::refresh_during_sync(Snapshot& snap) {
  data_changed();
  snap.status = engine_.status();
  if (active_table_) refresh_page(*active_table_, snap);
}

void ReadModel::refresh_all(Snapshot& snap) {
  refresh_status(snap);
  for (Entity e : kEntitiesInFkOrder) refresh_page(e, snap);
  refresh_detail(snap);
}

// The count is the slow part of a page on a big table: it is kept while the filter and the
// data stay the same, and scrolling reads only the rows.
void ReadModel::refresh_page(Entity e, Snapshot& snap) {
  const auto& q = browsed_[entity_index(e)];
  if (!q) return;
  CountCache& cc = counts_[entity_index(e)];
  if (!cc.filter || !cc.filter->same_filter(*q) || cc.generation != generation_) {
    cc.total = engine_.records().count(e, ListQuery{q->search, q->state, 0, 0});
    cc.filter = *q;
    cc.generation = generation_;
  }
  snap.pages[entity_index(e)] = read_page(engine_.records(), *q, cc.total, generation_);
}

void ReadModel::refresh_detail(Snapshot& snap) {
  if (shown_) snap.detail = read_detail(engine_.records(), shown_->first, shown_->second);
}

void ReadModel::refresh_status(Snapshot& snap) {
  snap.status = engine_.status();
  snap.settings = engine_.settings();
  snap.runs = std::make_shared<const std::vector<RunRecord>>(engine_.runs(kRunHistory));
  auto open = std::make_shared<std::vector<ConflictRecord>>();
  auto resolved = std::make_shared<std::vector<ConflictRecord>>();
  for (auto& c : engine_.conflicts(true)) (c.resolved ? *resolved : *open).push_back(std::move(c));
  std::reverse(resolved->begin(), resolved->end());  // newest first
  if (resolved->size() > kResolvedHistory) resolved->resize(kResolvedHistory);
  snap.open_conflicts = std::move(open);
  snap.resolved_conflicts = std::move(resolved);
}

}  // namespace craftsync::console
