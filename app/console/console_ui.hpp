#pragma once
// The whole console window for one frame: header (title, status badge, Sync Now), the progress
// bar during a sync, the sync & settings side panel, and the tabs (Data, Conflicts, Statistics,
// Activity), plus keyboard shortcuts and a toast for the newest notice. It draws between
// ImGui::NewFrame() and ImGui::Render() and needs no window system, so tests and benchmarks
// drive it headless.
//
// Threading: the render thread only. Holds UI state only.

#include <cstdint>
#include <optional>
#include <string>

#include "widgets/activity_log.hpp"
#include "widgets/conflict_dialog.hpp"
#include "widgets/data_inspector.hpp"
#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"
#include "widgets/stats_charts.hpp"
#include "widgets/status_badge.hpp"
#include "widgets/sync_panel.hpp"
#include "widgets/sync_progress.hpp"

namespace craftsync::console {

enum class Tab { data, conflicts, charts, activity };

// Key indices as the GLFW backend fills io.KeysDown[]: GLFW key codes, which for letters and
// digits are their upper-case ASCII codes.
inline constexpr int kKeyS = 'S', kKeyF = 'F', kKeyR = 'R', kKey1 = '1';

class ConsoleUi {
 public:
  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms);
  void select_tab(Tab t) { requested_tab_ = t; }
  Tab tab() const { return current_tab_; }

  /// Narrow windows (below kNarrowEm font sizes wide) fold the sidebar away; this opens it.
  bool sidebar_open = false;
  bool narrow() const { return narrow_; }

  StatusBadge badge;
  SyncPanel sync_panel;
  SyncProgressBar progress;
  ConflictDialog conflicts;
  StatsCharts charts;
  DataInspector inspector;
  ActivityLog activity;

 private:
  void shortcuts(const Snapshot& s, Commands& out);
  void header(const Snapshot& s, Commands& out, std::int64_t now_ms);
  void tabs(const Snapshot& s, Commands& out, std::int64_t now_ms);
  void toast(const Snapshot& s);

  static constexpr float kNarrowEm = 80, kSidebarEm = 21;
  bool narrow_ = false;
  bool sidebar_dismissed_ = false;  // closed by hand: first-run setup does not reopen it
  std::optional<Tab> requested_tab_;
  Tab current_tab_ = Tab::data;
  std::uint64_t last_event_seen_ = 0;
  bool events_baseline_set_ = false;
  double toast_until_ = 0;
  std::string toast_text_;
  bool toast_error_ = false;
};

}  // namespace craftsync::console
