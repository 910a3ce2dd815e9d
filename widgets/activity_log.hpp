#pragma once
// The activity log: sync runs and errors (and the console's own notices), newest first, with a
// text filter and an "errors only" switch.
//
// Threading: the render thread only. Holds UI state only (the filter).

#include <cstdint>
#include <string>
#include <vector>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct LogLine {
  std::int64_t at_ms = 0;
  enum class Kind { run, error, notice } kind = Kind::notice;
  std::string text;
  std::string record_id{};  // the record the line names, shown on hover and copied on right-click
};

/// Runs and events merged, newest first. Pure.
std::vector<LogLine> activity_lines(const Snapshot& s);
/// The lines that pass the filter (case-insensitive substring) and the errors-only switch.
std::vector<LogLine> filter_lines(const std::vector<LogLine>& lines, const std::string& filter,
                                  bool errors_only);

struct ActivityLog {
  std::string filter;
  bool errors_only = false;

  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms);

 private:
  std::shared_ptr<const std::vector<RunRecord>> cached_runs_;
  std::shared_ptr<const std::vector<Event>> cached_events_;
  std::string cached_filter_;
  bool cached_errors_only_ = false;
  std::vector<LogLine> all_, shown_;
};

}  // namespace craftsync::console
