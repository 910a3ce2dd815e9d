// The console's queues and cancellation between the render thread and the worker thread. These
// run under ThreadSanitizer in CI (scripts/test).

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
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
  std::vector<std::uint64_t> seen;  // the version of every poll that had news
  SnapshotPtr held;
  while (seen.empty() || seen.back() < kCount) {
    if (SnapshotPtr s = ch.poll()) {
      seen.push_back(s->version);
      held = std::move(s);
    }
  }
  worker.join();
  CHECK(wakes.load() == kCount);
  // Each poll with news had a newer snapshot than the last one, and the last was the final one.
  CHECK(std::adjacent_find(seen.begin(), seen.end(), std::greater_equal<>()) == seen.end());
  CHECK(seen.back() == kCount);
  CHECK(ch.poll() == nullptr);
  std::size_t alive = 0;
  for (const auto& w : published) alive += w.expired() ? 0 : 1;
  CHECK(alive == 1);  // only the one the UI holds
  CHECK(held->version == kCount);
}

TEST_CASE("queue: a poll has news only after a publish, and then only the newest",
          "[console][queue]") {
  WorkerChannel ch;
  auto publish = [&](std::uint64_t version) {
    auto s = std::make_shared<Snapshot>();
    s->version = version;
    ch.publish(std::move(s));
  };
  CHECK(ch.poll() == nullptr);
  for (std::uint64_t v = 1; v <= 3; ++v) publish(v);
  SnapshotPtr s = ch.poll();
  REQUIRE(s);
  CHECK(s->version == 3);
  CHECK(ch.poll() == nullptr);
  publish(4);
  s = ch.poll();
  REQUIRE(s);
  CHECK(s->version == 4);
  CHECK(ch.poll() == nullptr);
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
  // The UI thread counts its sends as they start and as they return. A sync that saw a cancel
  // must have overlapped a send (one started before the sync ended and had not returned when it
  // began); a send that started after the sync began and returned before it looked must be seen.
  std::atomic<int> started{0}, returned{0};
  struct Run {
    int returned_before_begin, started_after_begin, returned_before_look, started_after_end;
    bool saw_cancel;
  };
  std::vector<Run> runs;
  int consumed = 0;
  std::thread worker([&] {
    Command c;
    while (consumed < kCancels) {
      Run r{};
      r.returned_before_begin = returned.load();
      if (!ch.begin_sync()) break;  // (no Catch assertions off the test's thread)
      r.started_after_begin = started.load();
      r.returned_before_look = returned.load();
      r.saw_cancel = ch.sync_token().is_cancelled();
      ch.end_sync();
      r.started_after_end = started.load();
      runs.push_back(r);
      while (ch.try_command(c)) ++consumed;
    }
  });
  for (int i = 0; i < kCancels; ++i) {
    started.fetch_add(1);
    ch.send(CancelSync{});
    returned.fetch_add(1);
  }
  worker.join();
  CHECK(consumed == kCancels);
  CHECK(ch.sent() == static_cast<std::uint64_t>(kCancels));
  REQUIRE_FALSE(runs.empty());
  int stray = 0, missed = 0, cancelled = 0;
  for (const Run& r : runs) {
    bool overlapped = r.started_after_end > r.returned_before_begin;
    bool must_see = r.returned_before_look > r.started_after_begin;
    stray += r.saw_cancel && !overlapped;
    missed += must_see && !r.saw_cancel;
    cancelled += r.saw_cancel;
  }
  CHECK(stray == 0);   // no sync was cancelled by a cancel sent while nothing ran
  CHECK(missed == 0);  // no cancel sent during a sync failed to reach it
  CHECK(cancelled <= kCancels);
  // A cancel sent while nothing ran is not waiting for the next sync.
  REQUIRE(ch.begin_sync());
  CHECK_FALSE(ch.sync_token().is_cancelled());
  ch.end_sync();
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
