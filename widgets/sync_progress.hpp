#pragma once
// The progress bar shown under the header while a sync runs: phase, records, rate, and Cancel.
//
// Threading: the render thread only. No state.

#include <cstdint>
#include <string>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

/// "Pulling 12,000 / 100,000 (8,400 records/s)" and the like. Pure.
std::string progress_text(const SyncActivity& a, std::int64_t now_ms);
/// 0..1, or a negative value when the total is unknown.
float progress_fraction(const SyncActivity& a);

struct SyncProgressBar {
  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms);
};

}  // namespace craftsync::console
