#pragma once
// How the console's worker is set up: the database, the server, and its timers.
//
// Threading: a plain value, filled in on the render thread and moved to the worker. The clock,
// if one is given, is read on the worker thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/console/worker_clock.hpp"
#include "core/http_client.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct WorkerOptions {
  std::string db_path;
  RemoteConfig remote;
  RemoteView remote_view;         // the same URL and key, and where they came from
  bool allow_launch_sync = true;  // honour the syncOnLaunch setting
  bool allow_live_sync = true;    // honour the liveSync setting
  std::chrono::milliseconds progress_interval{50};  // at most one progress snapshot per interval
  std::chrono::milliseconds page_refresh_interval{500};  // the browsed table during a sync
  std::chrono::seconds offline_retry{30};  // first retry delay when offline; doubles to 5 min
  int page_limit = 1000;
  std::function<void()> wake;          // on the worker thread after each publish
  std::shared_ptr<const Clock> clock;  // the timers' clock; null: the wall clock
};

}  // namespace craftsync::console
