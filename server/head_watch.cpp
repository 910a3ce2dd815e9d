#include "server/head_watch.hpp"

#include <cstdio>
#include <exception>

namespace craftsync::server {

PollingHeadWatch::PollingHeadWatch(std::function<std::optional<std::int64_t>()> probe,
                                   std::function<void(std::int64_t)> moved,
                                   std::function<bool()> wanted, std::chrono::milliseconds interval)
    : probe_(std::move(probe)),
      moved_(std::move(moved)),
      wanted_(std::move(wanted)),
      interval_(interval),
      thread_([this] { loop(); }) {}

PollingHeadWatch::~PollingHeadWatch() {
  stop_.stop();
  thread_.join();
}

void PollingHeadWatch::loop() {
  bool failing = false;  // said once, not every interval
  do {
    if (wanted_()) {
      try {
        if (auto head = probe_()) moved_(*head);
        if (failing) std::fprintf(stderr, "change watch: working again\n");
        failing = false;
      } catch (const std::exception& e) {
        // A busy or missing file: the next probe tries again; held requests still time out.
        if (!failing) std::fprintf(stderr, "change watch: %s\n", e.what());
        failing = true;
      }
    }
  } while (stop_.wait_for(interval_));
}

}  // namespace craftsync::server
