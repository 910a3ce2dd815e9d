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
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PollingHeadWatch::loop() {
  bool failing = false;  // said once, not every interval
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
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
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace craftsync::server
