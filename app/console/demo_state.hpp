#pragma once
// Puts the console into a chosen state for a picture (--demo-state), and says when the
// snapshot shows what that picture needs, so --screenshot waits for it instead of guessing a
// frame count. The data comes from the real engine and server; this only steers the UI
// (which tab, which row, which popup) and waits.
//
// Threading: the render thread only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/console/console_ui.hpp"
#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

enum class DemoState {
  none,        // whatever the console shows; ready once the worker is idle
  inspector,   // Data tab with the first record selected and its detail loaded
  edit,        // inspector plus the edit form open on that record
  create,      // inspector plus a new order for that quote, its quote picker open
  conflicts,   // Conflicts tab, base shown
  charts,      // Statistics tab
  activity,    // Activity tab
  status,      // the status badge's details open
  connection,  // a connection test run and its result shown
  syncing,     // a sync in progress (the launch sync), a quarter done or more
  offline,     // the server unreachable after a failed sync
  verify,      // inspector, a verify run and its result shown, the record's history open
};

std::optional<DemoState> parse_demo_state(std::string_view name);
std::string demo_state_names();

class DemoDriver {
 public:
  explicit DemoDriver(DemoState state, std::string table = "", std::string filter = "")
      : state_(state), table_(std::move(table)), filter_(std::move(filter)) {}
  /// Steers the UI toward the state; call before drawing each frame.
  void before_frame(const Snapshot& s, ConsoleUi& ui, Commands& out);
  /// True when the picture can be taken.
  bool ready(const Snapshot& s, std::uint64_t commands_sent) const;
  /// How long to keep drawing once ready (fades finish); none for a state that passes quickly.
  double settle_seconds() const { return state_ == DemoState::syncing ? 0.0 : 0.3; }

 private:
  DemoState state_;
  std::string table_, filter_;
  bool tab_chosen_ = false, row_chosen_ = false, form_opened_ = false, popup_opened_ = false,
       test_sent_ = false, verify_sent_ = false;
};

}  // namespace craftsync::console
