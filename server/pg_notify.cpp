#include "server/pg_notify.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "server/pg_conn.hpp"
#include "server/pg_listen.hpp"

namespace craftsync::server {

namespace {

/// The gap after a NOTIFY that took `took`: 20 times as long, so that under a stream of
/// commits the NOTIFYs cost about a twentieth of a core at most, within kMinPaceGap and
/// kMaxPaceGap (a NOTIFY takes ~0.1 ms on an idle machine, more under load).
std::chrono::microseconds paced_gap(std::chrono::steady_clock::duration took) {
  auto gap = std::chrono::duration_cast<std::chrono::microseconds>(took) * 20;
  return std::clamp(gap, kMinPaceGap, kMaxPaceGap);
}

}  // namespace

PgChangeNotifier::PgChangeNotifier(std::string url, std::chrono::microseconds fixed_gap)
    : url_(std::move(url)),
      fixed_gap_(fixed_gap),
      gap_(fixed_gap.count() ? fixed_gap : kMinPaceGap),
      thread_([this] { loop(); }) {}

PgChangeNotifier::~PgChangeNotifier() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool PgChangeNotifier::quiet() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < gap_) return true;
  last_ = now;
  return false;
}

void PgChangeNotifier::changed() {
  {
    std::lock_guard lock(mu_);
    if (owed_) return;
    owed_ = true;
  }
  cv_.notify_one();
}

void PgChangeNotifier::loop() {
  std::optional<PgConn> c;
  bool failing = false;  // said once per outage
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return owed_ || stopped_; });
      if (!owed_) return;
      cv_.wait_until(lock, last_ + gap_, [this] { return stopped_; });
      owed_ = false;  // a commit from here on owes another NOTIFY
      last_ = std::chrono::steady_clock::now();
    }
    // A connection that died while idle (the database restarted, an admin terminated it) is
    // replaced at once, once; after that, every second.
    std::string error;
    auto started = std::chrono::steady_clock::now();
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!c) c.emplace(url_, 5000);
        started = std::chrono::steady_clock::now();  // the NOTIFY, not the connecting
        c->exec(std::string("NOTIFY ") + kChangeChannel);
        error.clear();
        break;
      } catch (const std::exception& e) {
        c.reset();
        error = e.what();
      }
    }
    std::unique_lock lock(mu_);
    if (!fixed_gap_.count()) gap_ = paced_gap(std::chrono::steady_clock::now() - started);
    if (error.empty()) {
      if (failing) std::fprintf(stderr, "change notifier: notifying again\n");
      failing = false;
      continue;
    }
    if (!failing)
      std::fprintf(stderr, "change notifier: %s; retrying every second\n", error.c_str());
    failing = true;
    owed_ = true;
    if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopped_; })) return;
  }
}

}  // namespace craftsync::server
