#pragma once
// A HeadWatch that asks a probe, from a thread of its own, every `interval` while `wanted()`.
// The SQLite backend's probe reads `PRAGMA data_version` on a connection of its own and, when
// another connection has committed since, the head.
//
// Threading: the probe and `moved` run on the watch's thread; the destructor joins it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>

#include "core/stop_signal.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

class PollingHeadWatch final : public HeadWatch {
 public:
  /// `probe` returns the head when it may have moved since its last call, else nullopt.
  PollingHeadWatch(std::function<std::optional<std::int64_t>()> probe,
                   std::function<void(std::int64_t)> moved, std::function<bool()> wanted,
                   std::chrono::milliseconds interval);
  ~PollingHeadWatch() override;

 private:
  void loop();

  std::function<std::optional<std::int64_t>()> probe_;
  std::function<void(std::int64_t)> moved_;
  std::function<bool()> wanted_;
  std::chrono::milliseconds interval_;
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace craftsync::server
