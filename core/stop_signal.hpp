#pragma once
// A stop flag that a loop on a thread of its own can sleep on: wait_for() returns at once when
// stop() is called. The watches (server/head_watch.cpp, server/pg_listen.cpp,
// core/local_watch.cpp) poll with it.
//
// Threading: stop() from any thread; the loop's thread calls wait_for() and stopped().

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace craftsync {

class StopSignal {
 public:
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  /// Sleeps up to `most`; false when stopped (before or during the sleep).
  bool wait_for(std::chrono::milliseconds most) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, most, [this] { return stopped_; });
    return !stopped_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace craftsync
