#pragma once
// The record detail's History section: every revision the server keeps of the record, newest
// first, with when, who, and what changed from the revision before (old and new values), and
// "Restore this version" on older ones. It asks for the history (ShowHistory) when first
// opened for a record, and again on Refresh; restoring sends RestoreVersion, an ordinary local
// edit.
//
// Threading: the render thread only. Holds UI state only.

#include <cstdint>
#include <string>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct HistorySection {
  bool open_next = false;  // open the section at the next draw
  void draw(const Snapshot& s, const RecordDetail& d, Commands& out, std::int64_t now_ms);

 private:
  std::string asked_for_;  // "<entity>/<id>" last asked for
};

}  // namespace craftsync::console
