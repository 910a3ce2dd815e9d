#include "server/pg_listen.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "server/pg_conn.hpp"
#include "server/pg_horizon.hpp"

namespace craftsync::server {
PgHeadListener::PgHeadListener(std::string url, std::function<void(std::int64_t)> moved)
    : url_(std::move(url)), moved_(std::move(moved)), thread_([this] { loop(); }) {}

PgHeadListener::~PgHeadListener() {
  stop_.stop();
  thread_.join();
}

void PgHeadListener::loop() {
  bool failing = false;  // said once per outage, not every second
  while (!stop_.stopped()) {
    try {
      PgConn c(url_, 5000);
      c.exec(std::string("LISTEN ") + kChangeChannel);
      if (failing) std::fprintf(stderr, "change listener: listening again\n");
      failing = false;
      bool behind = true;        // read at once: whatever was written while nobody listened
      int delay_ms = kMinGapMs;  // while behind, doubling to 128 ms while nothing moves
      std::int64_t last = -1;
      auto last_read = std::chrono::steady_clock::time_point{};
      while (!stop_.stopped()) {
        pollfd p{c.socket(), POLLIN, 0};
        if (!behind) {
          if (::poll(&p, 1, 100) <= 0) continue;  // a timeout, to look at stop_ again
          if (c.take_notifications() == 0) continue;
        } else if (::poll(&p, 1, delay_ms) > 0) {
          c.take_notifications();
        }
        // Under a steady stream of commits every read finds a notification waiting: reading at
        // most every kMinGapMs keeps the horizon reads (a scan of pg_locks each) off the
        // database's CPU, for at most that much more latency of a held pull.
        auto since = std::chrono::steady_clock::now() - last_read;
        if (since < std::chrono::milliseconds(kMinGapMs)) {
          stop_.wait_for(std::chrono::ceil<std::chrono::milliseconds>(
              std::chrono::milliseconds(kMinGapMs) - since));
          c.take_notifications();
        }
        last_read = std::chrono::steady_clock::now();
        // Read even when nobody waits yet: a request between its read of the log and its
        // subscription would otherwise miss this change until its wait ran out.
        CommitHorizon now = read_commit_horizon(c);
        moved_(now.safe);
        behind = now.safe < now.newest;
        delay_ms = now.safe != last ? kMinGapMs : std::min(delay_ms * 2, 128);
        last = now.safe;
      }
    } catch (const std::exception& e) {
      if (!failing) std::fprintf(stderr, "change listener: %s; retrying every second\n", e.what());
      failing = true;
      stop_.wait_for(std::chrono::seconds(1));
    }
  }
}

}  // namespace craftsync::server
