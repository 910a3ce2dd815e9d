#pragma once
// Notices changes queued in a client database by any process: the CLI in another shell, the
// console, a script. A thread of its own polls `PRAGMA data_version` on a connection of its
// own; when another connection has committed since, it reads the outbox's last sequence, and
// when that grew (a new local change was queued) it calls `queued()`. Commits that queue
// nothing, such as a sync's, do not call it.
//
// Threading: `queued` runs on the watch's thread and should only hand the news on (cancel a
// held pull, say). The destructor stops and joins the thread.

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "core/stop_signal.hpp"

namespace craftsync {

class LocalWriteWatch {
 public:
  LocalWriteWatch(std::string db_path, std::function<void()> queued,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(50));
  ~LocalWriteWatch();
  LocalWriteWatch(const LocalWriteWatch&) = delete;
  LocalWriteWatch& operator=(const LocalWriteWatch&) = delete;

 private:
  void loop();

  std::string db_path_;
  std::function<void()> queued_;
  std::chrono::milliseconds interval_;
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace craftsync
