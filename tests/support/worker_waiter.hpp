#pragma once
// Waits for a console Worker to publish a snapshot that satisfies a condition, without
// sleeping: the worker's wake callback signals a condition variable, and the waiter polls the
// worker only when woken. Also a scoped environment variable for tests that point the config
// dir somewhere temporary.
//
// Threading: the waiter's wake() runs on the worker thread; wait() on the test's thread.

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "app/console/worker.hpp"

namespace craftsync::test {

class SnapshotWaiter {
 public:
  std::function<void()> wake() {
    return [this] {
      std::lock_guard lock(mu_);
      ++wakes_;
      cv_.notify_all();
    };
  }

  /// The first snapshot (newest seen so far included) for which `pred` holds, or the newest one
  /// when the timeout passes first (the caller's REQUIREs then say what was missing).
  console::SnapshotPtr wait(console::Worker& worker,
                            const std::function<bool(const console::Snapshot&)>& pred,
                            std::chrono::seconds timeout = std::chrono::seconds(120)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu_);
    for (;;) {
      std::uint64_t seen = wakes_;
      if (auto s = worker.poll()) last_ = std::move(s);
      if (last_ && pred(*last_)) return last_;
      if (!cv_.wait_until(lock, deadline, [&] { return wakes_ != seen; })) {
        if (auto s = worker.poll()) last_ = std::move(s);
        return last_;
      }
    }
  }

  console::SnapshotPtr last() const { return last_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t wakes_ = 0;
  console::SnapshotPtr last_;
};

/// Sets an environment variable for the scope, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace craftsync::test
