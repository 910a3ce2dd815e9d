#include "app/console/read_model.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/number_text.hpp"
#include "core/record_names.hpp"

namespace craftsync::console {
namespace {

using nlohmann::json;

constexpr std::size_t kResolvedHistory = 200;
constexpr int kRunHistory = 200;
constexpr std::int64_t kMaxPageRows = 2000;
constexpr std::int64_t kRelatedShown = 50;  // per referring field, in a record's detail
constexpr std::int64_t kChoicesShown = 30;  // in a picker

RowView row_view(Entity e, ListedRow&& r) {
  RowView v;
  v.id = r.row.value("id", "");
  for (const FieldSpec& f : fields_of(e)) {
    auto it = r.row.find(f.name);
    v.cells.push_back(it != r.row.end() && it->is_string() ? it->get<std::string>() : "");
  }
  v.state = std::move(r.state);
  v.provisional = r.provisional_number;
  v.names = std::move(r.names);
  return v;
}

// Rows [query.offset, query.offset + query.limit) of the filtered, sorted table, with their
// sync state and the names of the records they refer to.
std::shared_ptr<const TablePage> read_page(RecordStore& store, const TableQuery& query,
                                           std::int64_t total, std::uint64_t generation) {
  auto page = std::make_shared<TablePage>();
  page->query = query;
  page->query.offset = std::max<std::int64_t>(0, query.offset);
  page->query.limit = std::clamp<std::int64_t>(query.limit, 1, kMaxPageRows);
  page->total = total;
  page->data_generation = generation;
  ListQuery q{query.search,      query.state, page->query.offset,
              page->query.limit, query.sort,  query.descending};
  for (ListedRow& row : store.browse(query.entity, q))
    page->rows.push_back(row_view(query.entity, std::move(row)));
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
  if (d->found) {
    d->dependents = store.dependents(e, id);
    d->name = record_name(e, d->row, id);
    d->references = store.references(e, d->row);
    d->referred_by = store.referred_by(e, id, kRelatedShown);
  }
  return d;
}

}  // namespace

void ReadModel::find_choices(Entity e, const std::string& search, Snapshot& snap) {
  auto list = std::make_shared<ChoiceList>();
  list->entity = e;
  list->search = search;
  ListQuery q{search, "", 0, kChoicesShown + 1, std::string(name_field(e)), false};
  RecordStore& store = engine_.records();
  for (ListedRow& r : store.browse(e, q)) {
    if (static_cast<std::int64_t>(list->items.size()) == kChoicesShown) {
      list->more = true;
      break;
    }
    Choice c;
    c.id = r.row.value("id", "");
    c.name = record_name(e, r.row, c.id);
    auto text = [&](const char* f) {
      auto it = r.row.find(f);
      return it != r.row.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (e == Entity::customers) {
      std::string email = text("email"), city = text("city");
      c.detail = email + (!email.empty() && !city.empty() ? ", " : "") + city;
    } else if (e == Entity::quotes) {
      c.customer_id = text("customer_id");
      const FieldSpec* ref = find_field(e, "customer_id");
      std::size_t at = static_cast<std::size_t>(ref - fields_of(e).data());
      c.customer_name = at < r.names.size() ? r.names[at] : "";
      c.detail = (c.customer_name.empty() ? c.customer_id.substr(0, 8) : c.customer_name) + ", " +
                 amount_text(text("total_amount"));
    }
    list->items.push_back(std::move(c));
  }
  snap.choices = std::move(list);
}

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
  // The order does not change the count: a header click re-reads only the rows.
  bool same_rows = cc.filter && cc.filter->entity == q->entity && cc.filter->search == q->search &&
                   cc.filter->state == q->state;
  if (!same_rows || cc.generation != generation_) {
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
