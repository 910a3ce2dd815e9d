#pragma once
// The server's Prometheus metrics, served as text at GET /metrics (admin role): requests by
// route and status, latency histograms by route, open connections, mutations by verdict, the
// change-log head, per-device lag (the head minus the cursor a device last pulled from), and
// database pool use, and held pulls (`/changes?wait=`). Counters live in memory and start at zero
// with the process.
//
// Threading: every method may be called from any thread at once.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/protocol.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

class Metrics {
 public:
  /// Latency buckets, in seconds (the last is +Inf).
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};
  /// Devices whose cursors are kept for the lag gauge; the oldest seen is dropped beyond it.
  static constexpr std::size_t kMaxDevices = 10000;

  /// One answered request. `route` is the route's pattern, or "unmatched".
  void request(const std::string& route, int status, std::chrono::nanoseconds took);
  void verdict(Verdict v);
  /// A device pulled from `cursor` (its X-CraftSync-Device header, when it sent one).
  void pulled_from(const std::string& device, std::int64_t cursor);

  /// A held pull ended: woken by a change, or at its deadline.
  void hold_ended(bool woken) { (woken ? held_woken_ : held_timed_out_)++; }

  /// The exposition text; `open_connections`, `held_now` and the storage are read now.
  std::string render(Storage& storage, std::size_t open_connections, std::size_t held_now = 0);

 private:
  struct RouteStats {
    std::map<int, std::uint64_t> by_status;
    std::array<std::uint64_t, kBuckets.size() + 1> buckets{};
    double sum_seconds = 0;
    std::uint64_t count = 0;
  };

  std::mutex mu_;
  std::map<std::string, RouteStats> routes_;
  std::array<std::atomic<std::uint64_t>, 5> verdicts_{};
  std::atomic<std::uint64_t> held_woken_{0}, held_timed_out_{0};
  struct DeviceCursor {
    std::int64_t cursor = 0;
    std::uint64_t seen = 0;  // an order, for dropping the stalest
  };
  std::map<std::string, DeviceCursor> devices_;
  std::uint64_t device_clock_ = 0;
};

}  // namespace craftsync::server
