#pragma once
// The PostgreSQL backend's HeadWatch: a connection of its own that LISTENs on
// `craftsync_changes`, which every transaction that logs a change NOTIFYs, whoever wrote it
// (this instance, another instance, psql): from the change-log trigger, or, in a server's busy
// spells, from its PgChangeNotifier. On a notification it reads the commit horizon and reports
// it: at once, unless the last read was less than kMinPaceGap ago while pulls are held, or
// kMaxPaceGap ago while none is. Under a stream of commits that keeps the reads (a scan of
// pg_locks each) off the database's CPU, and a held pull still wakes within ~2 ms of a commit.
// While the horizon trails the newest rev handed out (a writer still holds a lower rev), it
// reads again after 2 ms, doubling the wait up to 128 ms while nothing moves, until it catches
// up: a transaction that ends without committing a change sends no notification. A lost
// connection is reopened every second, and the horizon is read again after each reconnect,
// since notifications sent meanwhile are lost.
//
// Threading: one thread of its own; the destructor stops and joins it (within ~100 ms).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "core/stop_signal.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

inline constexpr const char* kChangeChannel = "craftsync_changes";

/// The least time between two reads of the horizon (PgHeadListener) or two NOTIFYs
/// (PgChangeNotifier): the shortest while pulls are held or after a cheap NOTIFY, the longest
/// under load with nobody waiting.
inline constexpr std::chrono::microseconds kMinPaceGap(2000), kMaxPaceGap(10000);

class PgHeadListener final : public HeadWatch {
 public:
  /// `wanted()`: whether anyone waits for the head now (held pulls).
  PgHeadListener(std::string url, std::function<void(std::int64_t)> moved,
                 std::function<bool()> wanted);
  ~PgHeadListener() override;

 private:
  void loop();

  std::string url_;
  std::function<void(std::int64_t)> moved_;
  std::function<bool()> wanted_;
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace craftsync::server
