#pragma once
// Statistics charts: records pushed and pulled per run, run durations, and failures over time,
// drawn with ImDrawList from the run journal in the snapshot.
//
// Threading: the render thread only. Holds UI state only (how many runs to show).

#include <cstdint>
#include <string>
#include <vector>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct RunPoint {
  std::int64_t id = 0, at_ms = 0, pushed = 0, pulled = 0, duration_ms = 0;
  bool ok = false;
  std::string trigger, error;
};

/// The last `max` runs, oldest first, ready to plot. Pure.
std::vector<RunPoint> chart_points(const std::vector<RunRecord>& newest_first, std::size_t max);

/// log10(1 + n): the bar height scale, so one record and 100k share a chart.
float log_scale(std::int64_t n);

struct StatsCharts {
  int window = 50;  // runs shown

  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms);

 private:
  std::shared_ptr<const std::vector<RunRecord>> cached_for_;
  int cached_window_ = 0;
  std::vector<RunPoint> points_;
};

}  // namespace craftsync::console
