#pragma once
// The PostgreSQL backend's HeadWatch: a connection of its own that LISTENs on
// `craftsync_changes`, which the change-log trigger NOTIFYs in every transaction that logs a
// change, whoever wrote it (this instance, another instance, psql). On a notification it reads
// the commit horizon and reports it, at most once every kMinGapMs. While the horizon trails
// the newest rev handed out (a writer still holds a lower rev), it reads again after
// kMinGapMs, doubling the wait up to 128 ms while nothing moves, until it catches up: a
// transaction that ends without committing a change sends no notification. A lost connection is
// reopened every second, and the horizon is read again after each reconnect, since notifications
// sent meanwhile are lost.
//
// Threading: one thread of its own; the destructor stops and joins it (within ~100 ms).

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "core/stop_signal.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

inline constexpr const char* kChangeChannel = "craftsync_changes";

class PgHeadListener final : public HeadWatch {
 public:
  static constexpr int kMinGapMs = 10;  // between two reads of the horizon

  PgHeadListener(std::string url, std::function<void(std::int64_t)> moved);
  ~PgHeadListener() override;

 private:
  void loop();

  std::string url_;
  std::function<void(std::int64_t)> moved_;
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace craftsync::server
