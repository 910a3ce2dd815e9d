#pragma once
// The inspector's Verify strip: a "Verify" button, then one line with the last verify's
// outcome ("✓ Verified — this database holds what the server holds", or what differs), a
// "Details" window with the ids per entity and side, and "Repair" when something differs.
// Draws from the snapshot; the work is the worker's (VerifyNow).
//
// Threading: the render thread only.

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct VerifyStrip {
  bool details_open = false;
  /// The button, for the toolbar (same line as what precedes it).
  void draw_button(const Snapshot& s, Commands& out);
  /// The outcome line, under the toolbar; nothing before the first verify.
  void draw_result(const Snapshot& s, Commands& out, std::int64_t now_ms);
};

}  // namespace craftsync::console
