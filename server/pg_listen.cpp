#include "server/pg_listen.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "server/pg_conn.hpp"
#include "server/pg_horizon.hpp"

namespace craftsync::server {
PgHeadListener::PgHeadListener(std::string url, std::function<void(std::int64_t)> moved,
                               std::function<bool()> wanted)
    : url_(std::move(url)),
      moved_(std::move(moved)),
      wanted_(std::move(wanted)),
      thread_([this] { loop(); }) {}

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
      bool behind = true;  // read at once: whatever was written while nobody listened
      auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(kMinPaceGap);
      std::int64_t last = -1;
      auto last_read = std::chrono::steady_clock::time_point{};
      while (!stop_.stopped()) {
        pollfd p{c.socket(), POLLIN, 0};
        if (!behind) {
          if (::poll(&p, 1, 100) <= 0) continue;  // a timeout, to look at stop_ again
          if (c.take_notifications() == 0) continue;
        } else if (::poll(&p, 1, static_cast<int>(delay.count())) > 0) {
          c.take_notifications();
        }
        // Paced (see the header): a notification that comes sooner waits, and so do the
        // ones behind it.
        auto since = std::chrono::steady_clock::now() - last_read;
        auto gap = wanted_() ? kMinPaceGap : kMaxPaceGap;
        if (since < gap) {
          stop_.wait_for(std::chrono::ceil<std::chrono::milliseconds>(gap - since));
          c.take_notifications();
        }
        last_read = std::chrono::steady_clock::now();
        // Read even when nobody waits yet: a request between its read of the log and its
        // subscription would otherwise miss this change until its wait ran out.
        CommitHorizon now = read_commit_horizon(c);
        moved_(now.safe);
        behind = now.safe < now.newest;
        delay = now.safe != last
                    ? std::chrono::duration_cast<std::chrono::milliseconds>(kMinPaceGap)
                    : std::min(delay * 2, std::chrono::milliseconds(128));
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
