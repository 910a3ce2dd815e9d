#pragma once
// Cooperative cancellation. cancel() may be called from any thread; the engine thread checks
// is_cancelled() inside its loops and inside curl's progress callback.

#include <atomic>
#include <stdexcept>

namespace craftsync {

class CancelToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  void reset() { cancelled_.store(false, std::memory_order_relaxed); }
  bool is_cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

/// Thrown when work stops because its CancelToken was cancelled.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace craftsync
