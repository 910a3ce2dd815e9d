#include "server/pg_notify.hpp"

#include <chrono>
#include <cstdio>
#include <optional>

#include "server/pg_conn.hpp"
#include "server/pg_listen.hpp"

namespace craftsync::server {

PgChangeNotifier::PgChangeNotifier(std::string url)
    : url_(std::move(url)), thread_([this] { loop(); }) {}

PgChangeNotifier::~PgChangeNotifier() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  thread_.join();
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
      owed_ = false;  // a commit from here on owes another NOTIFY
    }
    // A connection that died while idle (the database restarted, an admin terminated it) is
    // replaced at once, once; after that, every second.
    std::string error;
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!c) c.emplace(url_, 5000);
        c->exec(std::string("NOTIFY ") + kChangeChannel);
        error.clear();
        break;
      } catch (const std::exception& e) {
        c.reset();
        error = e.what();
      }
    }
    std::unique_lock lock(mu_);
    if (error.empty()) {
      if (failing) std::fprintf(stderr, "change notifier: notifying again\n");
      failing = false;
      // Commits meanwhile wait for the next NOTIFY: under a stream of pushes that is one
      // (a transaction, and a wakeup of every listener) per kMinGapMs, not one per commit.
      cv_.wait_for(lock, std::chrono::milliseconds(kMinGapMs), [this] { return stopped_; });
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
