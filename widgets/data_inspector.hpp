#pragma once
// The data & metadata inspector: customers, quotes and orders in tables that scale to 100k+
// rows. Only the visible rows are drawn (ImGuiListClipper); the rows come in windows that the
// worker reads off the UI thread (BrowseTable), so scrolling never waits on SQLite. Search, a
// sync-state filter, a sync state per row, provisional numbers marked as such, a detail pane
// (sync_metadata, outbox, raw JSON), create / edit / delete through the outbox, and Verify
// (the local database against the server's checksums).
//
// Threading: the render thread only. Holds UI state only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "widgets/history_section.hpp"
#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"
#include "widgets/record_detail.hpp"
#include "widgets/record_form.hpp"
#include "widgets/verify_strip.hpp"

namespace craftsync::console {

/// The window of rows to ask for so that rows [first, last) and a margin are on hand.
TableQuery window_for(Entity e, const std::string& search, const std::string& state,
                      std::int64_t first, std::int64_t last);
TableQuery window_for(TableQuery filter, std::int64_t first, std::int64_t last);
/// What a new record of `creating` starts with when `d` is selected: the selected record where
/// the new one can refer to it, and what it refers to (a quote's customer for a new order).
RecordForm::Prefill prefill_from(Entity creating, const RecordDetail* d);
/// The names of the records a record refers to, by field, for the edit form.
std::map<std::string, std::string> detail_names(const RecordDetail& d);

struct DataInspector {
  Entity entity = Entity::customers;
  std::string search;
  int state_filter = 0;  // 0 all, then synced, pending, conflict, rejected
  std::string selected_id;
  bool focus_search = false;
  std::optional<std::int64_t> scroll_to_row;  // scrolls the table there at the next draw
  std::string sort;  // the column the table is sorted on ("" creation order), see TableQuery
  bool descending = false;
  RecordForm form;
  bool confirm_delete = false;

  /// `now_ms` (Unix ms) words how long ago the last verify ran.
  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms = 0);

  /// The BrowseTable to send for visible rows [first, last), or nullopt when the snapshot's
  /// page covers them or the same window is already on its way.
  std::optional<BrowseTable> page_request(const Snapshot& s, std::int64_t first, std::int64_t last);
  /// Rows the table shows: the filtered total once the page for this filter has arrived.
  std::int64_t row_count(const Snapshot& s) const;
  std::string state_name() const;
  /// Opens the detail's History section at the next draw (it then asks for the history).
  void open_history() { history_.open_next = true; }
  /// Selects a record and asks for its detail.
  void select(const std::string& id, Commands& out);
  /// Shows a related record: its table, unfiltered, with it selected.
  void follow(Entity e, const std::string& id, Commands& out);
  /// The table, search, filter and order shown now.
  TableQuery filter() const;

  std::int64_t visible_first = 0, visible_last = 0;  // after the last draw

 private:
  void draw_toolbar(const Snapshot& s, Commands& out);
  void draw_table(const Snapshot& s, Commands& out);
  void draw_detail(const Snapshot& s, Commands& out);
  std::vector<std::string> row_texts(const RowView& r) const;
  void row_menu(const RowView& r, const std::vector<std::string>& texts);
  int hovered_column_ = -1;  // the column under the mouse, for "Copy <column>"
  std::optional<TableQuery> requested_;
  RecordDetailPane detail_;
  VerifyStrip verify_;
  HistorySection history_;
  std::int64_t now_ms_ = 0;
};

}  // namespace craftsync::console
