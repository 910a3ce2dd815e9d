#include "widgets/data_inspector.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "core/record_names.hpp"
#include "widgets/cells.hpp"
#include "widgets/focus_order.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

constexpr std::int64_t kBlock = 100;   // windows start on a multiple of this
constexpr std::int64_t kMargin = 100;  // rows fetched above and below the visible ones
constexpr const char* kStates[] = {"All states", "synced", "pending", "conflict", "rejected"};
constexpr const char* kEntityTabs[] = {"Customers", "Quotes", "Orders"};

struct Column {
  const char* title;
  const char* field;
  float width_em;  // 0: stretch
};

std::vector<Column> columns_for(Entity e) {
  switch (e) {
    case Entity::customers:
      return {
          {"Name", "name", 0}, {"Email", "email", 0}, {"City", "city", 7}, {"St", "state", 2.2f}};
    case Entity::quotes:
      return {{"Number", "quote_number", 0},
              {"Amount", "total_amount", 5.5f},
              {"Status", "status", 5},
              {"Customer", "customer_id", 7}};
    case Entity::orders:
      return {
          {"Number", "order_number", 0}, {"Quote", "quote_id", 7}, {"Customer", "customer_id", 7}};
  }
  return {};
}

int field_index(Entity e, std::string_view name) {
  int i = 0;
  for (const FieldSpec& f : fields_of(e)) {
    if (f.name == name) return i;
    ++i;
  }
  return -1;
}

}  // namespace

TableQuery window_for(Entity e, const std::string& search, const std::string& state,
                      std::int64_t first, std::int64_t last) {
  TableQuery q;
  q.entity = e;
  q.search = search;
  q.state = state;
  return window_for(q, first, last);
}

TableQuery window_for(TableQuery q, std::int64_t first, std::int64_t last) {
  q.offset = std::max<std::int64_t>(0, (first - kMargin) / kBlock * kBlock);
  std::int64_t end = (last + kMargin + kBlock - 1) / kBlock * kBlock;
  q.limit = std::max<std::int64_t>(kBlock, end - q.offset);
  return q;
}

std::string DataInspector::state_name() const {
  return state_filter == 0 ? "" : kStates[state_filter];
}

TableQuery DataInspector::filter() const {
  TableQuery q;
  q.entity = entity;
  q.search = search;
  q.state = state_name();
  q.sort = sort;
  q.descending = descending;
  return q;
}

std::int64_t DataInspector::row_count(const Snapshot& s) const {
  const auto& page = s.pages[entity_index(entity)];
  TableQuery want = filter();
  want.sort = page ? page->query.sort : "";  // the order does not change the count
  want.descending = page && page->query.descending;
  if (page && page->query.same_filter(want)) return page->total;
  if (search.empty() && state_filter == 0) return s.status.records[entity_index(entity)];
  return 0;
}

std::optional<BrowseTable> DataInspector::page_request(const Snapshot& s, std::int64_t first,
                                                       std::int64_t last) {
  TableQuery want = window_for(filter(), first, last);
  const auto& page = s.pages[entity_index(entity)];
  bool page_fits = page && page->query.same_filter(want);
  if (page_fits) {
    std::int64_t end = std::min(last, page->total);
    if (page->covers(first, std::max(first, end))) return std::nullopt;
  }
  if (requested_ && requested_->same_filter(want) && requested_->offset <= first &&
      requested_->offset + requested_->limit >= last) {
    // Asked already; wait for it unless the answer came and did not cover (data shrank).
    bool answered = page_fits && page->query.offset == requested_->offset &&
                    page->query.limit == requested_->limit;
    if (!answered) return std::nullopt;
    if (page->covers(first, std::min(last, page->total))) return std::nullopt;
    if (first >= page->total) return std::nullopt;  // nothing more to fetch
  }
  requested_ = want;
  return BrowseTable{want};
}

void DataInspector::select(const std::string& id, Commands& out) {
  selected_id = id;
  out.push(ShowRecord{entity, id});
}

void DataInspector::follow(Entity e, const std::string& id, Commands& out) {
  if (e != entity) {
    entity = e;
    scroll_to_row = 0;
  }
  // The record is shown whatever the filter; the filter goes so that the table has it too.
  search.clear();
  state_filter = 0;
  select(id, out);
}

std::map<std::string, std::string> detail_names(const RecordDetail& d) {
  std::map<std::string, std::string> names;
  for (const RelatedRecord& r : d.references) names[r.field] = r.name;
  return names;
}

RecordForm::Prefill prefill_from(Entity creating, const RecordDetail* d) {
  RecordForm::Prefill p;
  if (!d || !d->found) return p;
  auto take = [&](const std::string& field, const std::string& id, const std::string& name) {
    const FieldSpec* f = find_field(creating, field);
    if (!f || f->kind != FieldKind::reference || id.empty()) return;
    p.values[field] = id;
    p.names[field] = name;
  };
  // The selected record itself, when the new one may refer to it.
  for (const FieldSpec& f : fields_of(creating))
    if (f.kind == FieldKind::reference && f.references == d->entity)
      take(std::string(f.name), d->id, d->name);
  // And what it refers to: a quote's customer for a new quote or order, an order's quote.
  for (const RelatedRecord& r : d->references)
    for (const FieldSpec& f : fields_of(creating))
      if (f.kind == FieldKind::reference && f.references == r.entity &&
          !p.values.count(std::string(f.name)))
        take(std::string(f.name), r.id, r.name);
  return p;
}

void DataInspector::draw(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  float em = ImGui::GetFontSize();
  now_ms_ = now_ms;
  draw_toolbar(s, out);
  verify_.draw_result(s, out, now_ms);
  float detail_w = std::clamp(ImGui::GetContentRegionAvail().x * 0.40f, 18 * em, 30 * em);
  ImGui::BeginChild("##table_side", ImVec2(-detail_w - ImGui::GetStyle().ItemSpacing.x, 0), false);
  draw_table(s, out);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("##detail_side", ImVec2(0, 0), true);
  draw_detail(s, out);
  ImGui::EndChild();
  form.draw(out, s.choices.get());

  if (confirm_delete) {
    ImGui::OpenPopup("Delete record?");
    confirm_delete = false;
  }
  if (ImGui::BeginPopupModal("Delete record?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    std::string name =
        s.detail && s.detail->id == selected_id ? s.detail->name : short_id(selected_id);
    std::string question = "Delete " + singular_name(entity) + " \"" + name + "\"?";
    ImGui::TextUnformatted(question.c_str());  // the popup fits itself to it
    probe_text(question);
    id_hover(selected_id, "##delete_id");
    ImGui::TextColored(palette().muted,
                       "It is removed here now and on the server at the next sync.");
    if (ui_button("Delete##confirm", ImVec2(7 * em, 0))) {
      out.push(DeleteRecord{entity, selected_id});
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ui_button("Keep##confirm", ImVec2(7 * em, 0))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

void DataInspector::draw_toolbar(const Snapshot& s, Commands& out) {
  float em = ImGui::GetFontSize();
  for (int i = 0; i < 3; ++i) {
    Entity e = kEntitiesInFkOrder[static_cast<std::size_t>(i)];
    if (i) ImGui::SameLine();
    std::string label =
        std::string(kEntityTabs[i]) + " " + thousands(s.status.records[i]) + "##entity_tab";
    bool active = entity == e;
    if (active)
      ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    if (ui_button(label.c_str()) && !active) {
      entity = e;
      selected_id.clear();
      scroll_to_row = 0;
      out.push(ShowRecord{e, ""});
    }
    if (active) ImGui::PopStyleColor();
  }
  // The search box gives way first, so that "New customer" and Verify fit a narrow window.
  std::string singular(entity_name(entity));
  singular.pop_back();
  std::string new_label = "New " + singular + "##new_record";
  const ImGuiStyle& st = ImGui::GetStyle();
  auto button_w = [&](const char* text) {
    return ImGui::CalcTextSize(text, nullptr, true).x + 2 * st.FramePadding.x;
  };
  float rest = 8 * em + button_w(new_label.c_str()) + button_w("Verifying...##verify") +
               3 * st.ItemSpacing.x;
  ImGui::SameLine(0, 2 * em);
  float search_w = std::clamp(ImGui::GetContentRegionAvail().x - rest, 6 * em, 14 * em);
  ImGui::SetNextItemWidth(search_w);
  if (focus_search) {
    ImGui::SetKeyboardFocusHere();
    focus_search = false;
  }
  if (ui_input_text("##search", "Search (Ctrl+F)", &search)) scroll_to_row = 0;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(8 * em);
  if (ui_begin_combo("##state_filter", kStates[state_filter])) {
    for (int i = 0; i < 5; ++i)
      if (ui_selectable(kStates[i], state_filter == i)) {
        state_filter = i;
        scroll_to_row = 0;
      }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(!s.loaded);
  if (ui_button(new_label.c_str())) {
    // A new quote or order starts with the customer (and quote) of the record selected.
    form.begin_create(
        entity,
        prefill_from(entity, s.detail && s.detail->id == selected_id ? s.detail.get() : nullptr));
  }
  ImGui::EndDisabled();
  verify_.draw_button(s, out);
}

void DataInspector::draw_table(const Snapshot& s, Commands& out) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  std::int64_t rows = row_count(s);
  const auto& page = s.pages[entity_index(entity)];
  bool page_matches = page && page->query.same_filter(filter());
  auto cols = columns_for(entity);
  std::vector<int> idx;
  for (const auto& c : cols) idx.push_back(field_index(entity, c.field));
  int number_idx = number_field(entity) ? field_index(entity, *number_field(entity)) : -1;

  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                          ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersInnerV |
                          ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp |
                          ImGuiTableFlags_Sortable | ImGuiTableFlags_SortTristate;
  float footer = ImGui::GetTextLineHeightWithSpacing();
  // One table id per entity: ImGui keeps column widths per id, and the tables differ.
  std::string table_id = "##records_" + std::string(entity_name(entity));
  if (!ImGui::BeginTable(table_id.c_str(), static_cast<int>(cols.size()) + 1, flags,
                         ImVec2(0, -footer)))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const auto& c : cols) {
    if (c.width_em > 0)
      ImGui::TableSetupColumn(c.title, ImGuiTableColumnFlags_WidthFixed, c.width_em * em);
    else
      ImGui::TableSetupColumn(c.title, ImGuiTableColumnFlags_WidthStretch, 1.0f);
  }
  ImGui::TableSetupColumn("Sync", ImGuiTableColumnFlags_WidthFixed, 5.5f * em);
  // The headers one by one, so that tests can click them to sort as a person would.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c <= static_cast<int>(cols.size()); ++c) {
    if (!ImGui::TableSetColumnIndex(c)) continue;
    const char* title = ImGui::TableGetColumnName(c);
    ImGui::TableHeader(title);
    probe_item((std::string("header:") + title).c_str());
  }
  // A click on a header sorts by that column, in the worker (SQL over all rows, not this page).
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
    sort.clear();
    descending = false;
    if (specs->SpecsCount > 0) {
      const ImGuiTableColumnSortSpecs& spec = specs->Specs[0];
      std::size_t c = static_cast<std::size_t>(spec.ColumnIndex);
      sort = c < cols.size() ? cols[c].field : std::string(kSortByState);
      descending = spec.SortDirection == ImGuiSortDirection_Descending;
    }
    specs->SpecsDirty = false;
    scroll_to_row = 0;
  }
  if (scroll_to_row) {
    ImGui::SetScrollY(static_cast<float>(*scroll_to_row) * ImGui::GetTextLineHeightWithSpacing());
    scroll_to_row.reset();
  }

  // The table is one focus stop: the selected row when it is in view, else the first one.
  bool selected_in_view = false;
  if (page_matches)
    for (std::int64_t i = std::max(visible_first, page->query.offset);
         i < std::min<std::int64_t>(
                 visible_last, page->query.offset + static_cast<std::int64_t>(page->rows.size()));
         ++i)
      selected_in_view =
          selected_in_view ||
          page->rows[static_cast<std::size_t>(i - page->query.offset)].id == selected_id;
  bool table_stop = false;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(std::min<std::int64_t>(rows, 100000000)));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      ImGui::TableNextRow();
      const RowView* r = nullptr;
      if (page_matches && i >= page->query.offset &&
          i < page->query.offset + static_cast<std::int64_t>(page->rows.size()))
        r = &page->rows[static_cast<std::size_t>(i - page->query.offset)];
      ImGui::TableNextColumn();
      if (!r) {
        ImGui::TextColored(p.muted, "%s", glyph::kEllipsis);
        continue;
      }
      ImGui::PushID(i);
      bool selected = r->id == selected_id;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        if (c) ImGui::TableNextColumn();
        const std::string& v = idx[c] >= 0 ? r->cells[static_cast<std::size_t>(idx[c])] : r->id;
        const FieldSpec* f =
            idx[c] >= 0 ? &fields_of(entity)[static_cast<std::size_t>(idx[c])] : nullptr;
        bool is_ref = f && f->kind == FieldKind::reference;
        bool is_amount = f && f->kind == FieldKind::amount;
        std::string text = v;
        if (is_ref) {
          const std::string& name = r->names.size() > static_cast<std::size_t>(idx[c])
                                        ? r->names[static_cast<std::size_t>(idx[c])]
                                        : v;
          text = name.empty() ? short_id(v) : name;
        } else if (f && f->kind == FieldKind::timestamp) {
          text = timestamp_text(v).substr(0, 10);
        } else if (is_amount) {
          text = amount_text(v);
        }
        if (c == 0) {
          bool provisional = idx[c] == number_idx && r->provisional;
          if (provisional) ImGui::PushStyleColor(ImGuiCol_Text, p.warning);
          std::string label = fit_text(text, ImGui::GetContentRegionAvail().x) + "##row";
          if (ui_selectable(label.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns) &&
              !selected)
            select(r->id, out);
          if (!table_stop && (selected || !selected_in_view) && ImGui::IsItemVisible()) {
            focus_stop("table");
            table_stop = true;
          }
          if (ImGui::IsItemHovered() && !ImGui::IsPopupOpen("##row_menu"))
            for (int h = 0; h <= static_cast<int>(cols.size()); ++h)
              if (ImGui::TableGetColumnFlags(h) & ImGuiTableColumnFlags_IsHovered)
                hovered_column_ = h;
          if (provisional) {
            ImGui::PopStyleColor();
            if (ImGui::IsItemHovered())
              ImGui::SetTooltip(
                  "Provisional number: the server assigns the real one when this is pushed");
          }
          if (ImGui::BeginPopupContextItem("##row_menu")) {
            row_menu(*r, row_texts(*r));
            ImGui::EndPopup();
          }
        } else if (text.empty()) {
          ImGui::TextColored(p.muted, "-");
        } else if (is_amount) {
          text_right(text);
        } else {
          text_fitted(text);
          if (is_ref && ImGui::IsItemHovered())
            ImGui::SetTooltip("%s\nid %s", text.c_str(), v.c_str());
        }
      }
      ImGui::TableNextColumn();
      ImGui::TextColored(state_color(r->state), "%s %s", glyph::kDot, r->state.c_str());
      ImGui::PopID();
    }
  }
  // What is on screen, from the scroll position (the clipper's own steps include a first row it
  // only measures).
  float row_h = std::max(
      1.0f, clipper.ItemsHeight > 0 ? clipper.ItemsHeight : ImGui::GetTextLineHeightWithSpacing());
  visible_first =
      std::clamp<std::int64_t>(static_cast<std::int64_t>(ImGui::GetScrollY() / row_h), 0, rows);
  visible_last = std::clamp<std::int64_t>(
      visible_first + static_cast<std::int64_t>(ImGui::GetWindowHeight() / row_h), 0, rows);
  ImGui::EndTable();

  if (auto req = page_request(s, visible_first, std::max(visible_last, visible_first + 1)))
    out.push(*req);

  if (!page_matches && rows == 0)
    ImGui::TextColored(p.muted, "Loading%s", glyph::kEllipsis);
  else if (rows == 0 && (!search.empty() || state_filter != 0))
    ImGui::TextColored(p.muted, "No records match.");
  else if (rows == 0)
    ImGui::TextColored(p.muted, "No %s yet: sync, or create one.",
                       std::string(entity_name(entity)).c_str());
  else if (!search.empty() || state_filter != 0)
    ImGui::TextColored(p.muted, "%s matching %s showing %s-%s", thousands(rows).c_str(),
                       glyph::kDot, thousands(visible_first + 1).c_str(),
                       thousands(std::min(visible_last, rows)).c_str());
  else
    ImGui::TextColored(p.muted, "%s rows %s showing %s-%s", thousands(rows).c_str(), glyph::kDot,
                       thousands(visible_first + 1).c_str(),
                       thousands(std::min(visible_last, rows)).c_str());
}

// The row as the table shows it, column by column.
std::vector<std::string> DataInspector::row_texts(const RowView& r) const {
  std::vector<std::string> out;
  for (const auto& c : columns_for(entity)) {
    int i = field_index(entity, c.field);
    std::size_t at = static_cast<std::size_t>(i);
    const FieldSpec& f = fields_of(entity)[at];
    const std::string& v = r.cells[at];
    if (f.kind == FieldKind::reference)
      out.push_back(at < r.names.size() && !r.names[at].empty() ? r.names[at] : v);
    else if (f.kind == FieldKind::amount)
      out.push_back(amount_text(v));
    else
      out.push_back(v);
  }
  out.push_back(r.state);
  return out;
}

// Right-click on a row: copy the cell under the mouse, the row, its id, or the record as JSON.
void DataInspector::row_menu(const RowView& r, const std::vector<std::string>& texts) {
  auto cols = columns_for(entity);
  std::size_t c = hovered_column_ >= 0 ? static_cast<std::size_t>(hovered_column_) : 0;
  std::string title = c < cols.size() ? cols[c].title : "Sync";
  if (c < texts.size() && ui_selectable(("Copy " + title + "##copy_cell").c_str(), false))
    copy_text(texts[c]);
  if (ui_selectable("Copy row##copy_row", false)) {
    std::string line;
    for (std::size_t i = 0; i < texts.size(); ++i) line += (i ? "	" : "") + texts[i];
    copy_text(line);
  }
  if (ui_selectable("Copy id##copy_row_id", false)) copy_text(r.id);
  if (ui_selectable("Copy as JSON##copy_row_json", false)) {
    nlohmann::json j = nlohmann::json::object();
    j["id"] = r.id;
    std::size_t i = 0;
    for (const FieldSpec& f : fields_of(entity)) {
      const std::string& v = r.cells[i++];
      j[std::string(f.name)] = v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
    }
    copy_text(j.dump(2));
  }
}

void DataInspector::draw_detail(const Snapshot& s, Commands& out) {
  const Palette& p = palette();
  if (selected_id.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(p.muted,
                       "Select a row to see its sync metadata, outbox entries and raw JSON.");
    ImGui::PopTextWrapPos();
    return;
  }
  if (!s.detail || s.detail->id != selected_id) {
    ImGui::TextColored(p.muted, "Loading %s%s", short_id(selected_id).c_str(), glyph::kEllipsis);
    return;
  }
  switch (detail_.draw(s.detail, [&] { history_.draw(s, *s.detail, out, now_ms_); })) {
    case RecordDetailPane::Action::edit:
      form.begin_edit(s.detail->entity, s.detail->row, detail_names(*s.detail));
      break;
    case RecordDetailPane::Action::remove:
      confirm_delete = true;
      break;
    case RecordDetailPane::Action::follow:
      follow(detail_.target.entity, detail_.target.id, out);
      break;
    case RecordDetailPane::Action::create_child:
      form.begin_create(detail_.child, prefill_from(detail_.child, s.detail.get()));
      break;
    case RecordDetailPane::Action::none:
      break;
  }
}

}  // namespace craftsync::console
