#include "app/console/demo_state.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace craftsync::console {
namespace {

constexpr std::array<std::pair<std::string_view, DemoState>, 12> kNames = {{
    {"none", DemoState::none},
    {"inspector", DemoState::inspector},
    {"edit", DemoState::edit},
    {"create", DemoState::create},
    {"conflicts", DemoState::conflicts},
    {"charts", DemoState::charts},
    {"activity", DemoState::activity},
    {"status", DemoState::status},
    {"connection", DemoState::connection},
    {"syncing", DemoState::syncing},
    {"offline", DemoState::offline},
    {"verify", DemoState::verify},
}};

bool idle(const Snapshot& s, std::uint64_t sent) {
  return s.loaded && !s.launch_sync_pending && !s.sync.running && !s.testing_connection &&
         s.commands_done >= sent;
}

}  // namespace

std::optional<DemoState> parse_demo_state(std::string_view name) {
  for (const auto& [n, st] : kNames)
    if (n == name) return st;
  return std::nullopt;
}

std::string demo_state_names() {
  std::string s;
  for (const auto& [n, st] : kNames) s += (s.empty() ? "" : "|") + std::string(n);
  return s;
}

void DemoDriver::before_frame(const Snapshot& s, ConsoleUi& ui, Commands& out) {
  if (!s.loaded) return;
  if (!tab_chosen_) {
    tab_chosen_ = true;
    switch (state_) {
      case DemoState::conflicts:
        ui.select_tab(Tab::conflicts);
        ui.conflicts.show_base = true;
        break;
      case DemoState::charts:
        ui.select_tab(Tab::charts);
        break;
      case DemoState::activity:
        ui.select_tab(Tab::activity);
        break;
      default:
        ui.select_tab(Tab::data);
        break;
    }
    if (auto e = parse_entity(table_)) ui.inspector.entity = *e;
    static constexpr const char* kFilters[] = {"", "synced", "pending", "conflict", "rejected"};
    for (int i = 1; i < 5; ++i)
      if (filter_ == kFilters[i]) ui.inspector.state_filter = i;
  }
  bool wants_row = state_ == DemoState::inspector || state_ == DemoState::edit ||
                   state_ == DemoState::verify || state_ == DemoState::create;
  const auto& page = s.pages[entity_index(ui.inspector.entity)];
  bool page_current = page && page->query.state == ui.inspector.state_name() &&
                      page->query.search == ui.inspector.search &&
                      page->data_generation == s.data_generation;
  if (wants_row && !row_chosen_ && !s.launch_sync_pending && !s.sync.running && page_current &&
      !page->rows.empty()) {
    // Prefer a record with something to show: pending (outbox entries) over synced.
    const RowView* pick = &page->rows.front();
    std::int64_t end = std::max<std::int64_t>(ui.inspector.visible_last, 1) - page->query.offset;
    for (std::int64_t i = 0;
         i < std::min<std::int64_t>(end, static_cast<std::int64_t>(page->rows.size())); ++i)
      if (page->rows[static_cast<std::size_t>(i)].state != "synced") {
        pick = &page->rows[static_cast<std::size_t>(i)];
        break;
      }
    ui.inspector.select(pick->id, out);
    row_chosen_ = true;
  }
  if (state_ == DemoState::edit && row_chosen_ && !form_opened_ && s.detail && s.detail->found &&
      s.detail->id == ui.inspector.selected_id) {
    ui.inspector.form.begin_edit(s.detail->entity, s.detail->row, detail_names(*s.detail));
    form_opened_ = true;
  }
  if (state_ == DemoState::create && row_chosen_ && !form_opened_ && s.detail && s.detail->found &&
      s.detail->id == ui.inspector.selected_id) {
    ui.inspector.form.begin_create(Entity::orders, prefill_from(Entity::orders, s.detail.get()));
    ui.inspector.form.open_picker = "quote_id";
    form_opened_ = true;
  }
  if (state_ == DemoState::verify && row_chosen_ && !verify_sent_ && idle(s, 0) && s.detail &&
      s.detail->found && s.detail->id == ui.inspector.selected_id) {
    out.push(VerifyNow{});
    ui.inspector.open_history();
    verify_sent_ = true;
  }
  if (state_ == DemoState::status && !popup_opened_ && idle(s, 0)) {
    ui.badge.open_details = true;
    popup_opened_ = true;
  }
  if (state_ == DemoState::connection && !test_sent_ && idle(s, 0) && s.remote.configured()) {
    ui.sync_panel.form.url = s.remote.url;
    ui.sync_panel.form.api_key = s.remote.api_key;
    out.push(TestConnection{s.remote.url, s.remote.api_key});
    test_sent_ = true;
  }
}

bool DemoDriver::ready(const Snapshot& s, std::uint64_t sent) const {
  switch (state_) {
    case DemoState::syncing: {
      if (!s.sync.running) return false;
      const SyncProgress& p = s.sync.progress;
      return p.total > 0 ? p.done * 4 >= p.total : p.records > 0;
    }
    case DemoState::offline:
      return idle(s, sent) && s.connection.link == Link::offline;
    case DemoState::inspector:
      return idle(s, sent) && row_chosen_ && s.detail && s.detail->found;
    case DemoState::edit:
      return idle(s, sent) && form_opened_;
    case DemoState::create:
      return idle(s, sent) && form_opened_ && s.choices && s.choices->entity == Entity::quotes;
    case DemoState::status:
      return idle(s, sent) && popup_opened_;
    case DemoState::verify:
      return idle(s, sent) && verify_sent_ && !s.verify.running && s.verify.report &&
             s.history.history && !s.history.loading;
    case DemoState::connection:
      return idle(s, sent) && test_sent_ && s.connection_test != nullptr;
    default:
      return idle(s, sent);
  }
}

}  // namespace craftsync::console
