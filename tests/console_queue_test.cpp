// The console's queues and cancellation between the render thread and the worker thread. These
// run under ThreadSanitizer in CI (scripts/test).

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "app/console/worker_channel.hpp"

using namespace craftsync;
using namespace craftsync::console;

TEST_CASE("queue: commands from the UI thread arrive in order, all of them", "[console][queue]") {
  WorkerChannel ch;
  constexpr int kCount = 20000;
  std::thread ui([&] {
    for (int i = 0; i < kCount; ++i) {
      TableQuery q;
      q.offset = i;
      ch.send(BrowseTable{q});
    }
  });
  std::vector<std::int64_t> got;
  Command c;
  while (static_cast<int>(got.size()) < kCount) {
    REQUIRE(ch.wait_command(c, std::chrono::seconds(30)));
    REQUIRE(std::holds_alternative<BrowseTable>(c));
    got.push_back(std::get<BrowseTable>(c).query.offset);
  }
  ui.join();
  CHECK(ch.sent() == kCount);
  for (int i = 0; i < kCount; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == i);
  CHECK_FALSE(ch.try_command(c));
}

TEST_CASE("queue: the UI gets only ever-newer snapshots, and the older ones are freed",
          "[console][queue]") {
  std::atomic<int> wakes{0};
  WorkerChannel ch([&] { wakes.fetch_add(1); });
  constexpr int kCount = 5000;
  std::vector<std::weak_ptr<const Snapshot>> published;
  std::thread worker([&] {
    for (int i = 1; i <= kCount; ++i) {
      auto s = std::make_shared<Snapshot>();
      s->version = static_cast<std::uint64_t>(i);
      s->events = std::make_shared<const std::vector<Event>>(1);
      published.push_back(s);
      ch.publish(std::move(s));
    }
  });
  std::uint64_t newest = 0;
  SnapshotPtr held;
  int polls_with_news = 0;
  while (newest < kCount) {
    if (SnapshotPtr s = ch.poll()) {
      REQUIRE(s->version > newest);  // never an older one after a newer
      newest = s->version;
      held = std::move(s);
      ++polls_with_news;
    }
  }
  worker.join();
  CHECK(wakes.load() == kCount);
  CHECK(polls_with_news >= 1);
  CHECK(ch.poll() == nullptr);
  std::size_t alive = 0;
  for (const auto& w : published) alive += w.expired() ? 0 : 1;
  CHECK(alive == 1);  // only the one the UI holds
  CHECK(held->version == kCount);
}

TEST_CASE("queue: Cancel reaches a running sync at once, and only a running one",
          "[console][queue]") {
  WorkerChannel ch;
  REQUIRE(ch.begin_sync());
  CHECK_FALSE(ch.sync_token().is_cancelled());
  ch.send(CancelSync{});
  CHECK(ch.sync_token().is_cancelled());  // before the worker even reads the queue
  ch.end_sync();

  ch.send(CancelSync{});  // nothing runs: this must not cancel the next sync
  REQUIRE(ch.begin_sync());
  CHECK_FALSE(ch.sync_token().is_cancelled());
  ch.end_sync();
  Command c;
  int cancels = 0;
  while (ch.try_command(c)) cancels += std::holds_alternative<CancelSync>(c) ? 1 : 0;
  CHECK(cancels == 2);  // the worker still sees them (and counts them as done)
}

TEST_CASE("queue: a cancel racing the start of syncs never goes astray", "[console][queue]") {
  WorkerChannel ch;
  constexpr int kCancels = 3000;
  int syncs = 0, consumed = 0;
  std::thread worker([&] {
    Command c;
    while (consumed < kCancels) {
      if (!ch.begin_sync()) break;  // (no Catch assertions off the test's thread)
      ++syncs;
      (void)ch.sync_token().is_cancelled();
      ch.end_sync();
      while (ch.try_command(c)) ++consumed;
    }
  });
  for (int i = 0; i < kCancels; ++i) ch.send(CancelSync{});
  worker.join();
  CHECK(consumed == kCancels);
  CHECK(ch.sent() == static_cast<std::uint64_t>(kCancels));
  CHECK(syncs > 0);
}

TEST_CASE("queue: stop wakes a waiting worker, cancels, and refuses new work", "[console][queue]") {
  WorkerChannel ch;
  REQUIRE(ch.begin_probe());
  std::atomic<bool> woke{false};
  std::thread worker([&] {
    Command c;
    while (!ch.stopping())
      if (ch.wait_command(c, std::chrono::seconds(60))) woke = true;
  });
  ch.request_stop();
  worker.join();
  // A worker already waiting was woken by it; one that had not started waiting yet finds the
  // wake-up command still queued.
  Command c;
  CHECK((woke.load() || ch.try_command(c)));
  CHECK(ch.stopping());
  CHECK(ch.probe_token().is_cancelled());
  CHECK_FALSE(ch.begin_sync());
  CHECK_FALSE(ch.begin_probe());
}
