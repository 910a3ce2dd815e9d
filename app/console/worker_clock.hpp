#pragma once
// The clock the console's worker reads for its timers (auto-sync, offline retry, progress
// throttling) and its time stamps: the wall clock in the app, a manual one in tests, so that a
// timer fires when a test moves time on rather than after a real wait. Times are Unix
// milliseconds, as in the Snapshot and the engine's run records.
//
// Threading: now_ms() may be called on any thread. A ManualClock is moved on by a test's thread
// while the worker thread reads it (an atomic).

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"

namespace craftsync::console {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Now, in Unix milliseconds.
  virtual std::int64_t now_ms() const = 0;
};

/// The wall clock (core's unix_now_ms).
class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override { return unix_now_ms(); }
};

/// The one SystemClock, for whoever was given no clock.
inline const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

/// A clock that stands still until it is set or moved on.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : ms_(start_ms) {}
  std::int64_t now_ms() const override { return ms_.load(std::memory_order_acquire); }
  void set(std::int64_t ms) { ms_.store(ms, std::memory_order_release); }
  void advance(std::chrono::milliseconds by) {
    ms_.fetch_add(by.count(), std::memory_order_acq_rel);
  }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace craftsync::console
