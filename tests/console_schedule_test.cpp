// The console worker's sync schedule on a manual clock: the launch sync, auto-sync, the offline
// retry's backoff, what is due and how long until the next timer, and the progress throttle.
// No engine, no thread, no real waits.

#include <catch2/catch.hpp>

#include <chrono>

#include "app/console/sync_schedule.hpp"
#include "app/console/worker_clock.hpp"

using namespace craftsync::console;
using namespace std::chrono_literals;
using Due = SyncSchedule::Due;

namespace {

constexpr std::int64_t kStart = 1'800'000'000'000;  // a Unix ms well after 1970

SyncSchedule::Intervals intervals(std::chrono::milliseconds offline_retry = 30s) {
  return {offline_retry, 50ms, 500ms};
}

std::int64_t ms(std::chrono::milliseconds d) {
  return d.count();
}

}  // namespace

TEST_CASE("schedule: nothing is due until something is planned", "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals());
  CHECK(s.due() == Due::nothing);
  CHECK(s.time_to_next() == SyncSchedule::kMaxWait);
  CHECK(s.next_auto_ms() == 0);
  CHECK(s.retry_at_ms() == 0);
  clock.advance(24h);
  CHECK(s.due() == Due::nothing);
}

TEST_CASE("schedule: the launch sync is due at once, before anything else, until it is done",
          "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals());
  s.plan_launch_sync(true);
  CHECK(s.launch_pending());
  CHECK(s.due() == Due::launch);
  CHECK(s.time_to_next() == 0ms);

  s.sync_failed_offline();
  clock.advance(1h);  // the retry is due too, but the launch sync comes first
  CHECK(s.due() == Due::launch);
  s.launch_sync_done();
  CHECK_FALSE(s.launch_pending());
  CHECK(s.due() == Due::retry);

  SyncSchedule quiet(clock, intervals());
  quiet.plan_launch_sync(false);
  CHECK(quiet.due() == Due::nothing);
}

TEST_CASE("schedule: auto-sync fires an interval after the last attempt, and not before",
          "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals());

  SECTION("after the last attempt") {
    s.set_auto_sync(true, 15, kStart);
    CHECK(s.next_auto_ms() == kStart + ms(15min));
    CHECK(s.time_to_next() == SyncSchedule::kMaxWait);  // far off: look again in a minute
    clock.advance(15min - 1ms);
    CHECK(s.due() == Due::nothing);
    CHECK(s.time_to_next() == 1ms);
    clock.advance(1ms);
    CHECK(s.due() == Due::auto_sync);
    CHECK(s.time_to_next() == 0ms);
  }
  SECTION("with no attempt yet, an interval from now") {
    clock.advance(3min);
    s.set_auto_sync(true, 10, std::nullopt);
    CHECK(s.next_auto_ms() == kStart + ms(13min));
  }
  SECTION("an attempt ten minutes ago leaves five of fifteen") {
    s.set_auto_sync(true, 15, kStart - ms(10min));
    CHECK(s.next_auto_ms() == kStart + ms(5min));
  }
  SECTION("long overdue: a minute from now, not at once") {
    s.set_auto_sync(true, 15, kStart - ms(48h));
    CHECK(s.next_auto_ms() == kStart + ms(SyncSchedule::kOverdueDelay));
    CHECK(s.due() == Due::nothing);
    clock.advance(SyncSchedule::kOverdueDelay);
    CHECK(s.due() == Due::auto_sync);
  }
  SECTION("a new interval in the settings moves the timer") {
    s.set_auto_sync(true, 60, kStart);
    s.set_auto_sync(true, 5, kStart);
    CHECK(s.next_auto_ms() == kStart + ms(5min));
    clock.advance(5min);
    CHECK(s.due() == Due::auto_sync);
  }
  SECTION("disabled, it never fires") {
    s.set_auto_sync(false, 1, kStart);
    CHECK(s.next_auto_ms() == 0);
    clock.advance(24h);
    CHECK(s.due() == Due::nothing);
    CHECK(s.time_to_next() == SyncSchedule::kMaxWait);
  }
  SECTION("disabling an armed timer stops it") {
    s.set_auto_sync(true, 1, kStart);
    clock.advance(2min);
    REQUIRE(s.due() == Due::auto_sync);
    s.set_auto_sync(false, 1, kStart);
    CHECK(s.due() == Due::nothing);
  }
}

TEST_CASE("schedule: offline, the retry waits the first delay, which doubles up to five minutes",
          "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals(30s));

  s.sync_failed_offline();
  CHECK(s.offline_backoff() == 30s);
  CHECK(s.retry_at_ms() == kStart + ms(30s));
  CHECK(s.time_to_next() == 30s);
  clock.advance(30s - 1ms);
  CHECK(s.due() == Due::nothing);
  clock.advance(1ms);
  CHECK(s.due() == Due::retry);

  // Each retry that fails again waits twice as long, then five minutes at most.
  for (auto want : {60s, 120s, 240s, 300s, 300s, 300s}) {
    s.sync_started();
    CHECK(s.retry_at_ms() == 0);  // the retry is running
    CHECK(s.due() == Due::nothing);
    s.sync_failed_offline();
    CHECK(s.offline_backoff() == want);
    CHECK(s.retry_at_ms() == clock.now_ms() + ms(want));
    clock.advance(want);
    CHECK(s.due() == Due::retry);
  }
}

TEST_CASE("schedule: a success or a refusal starts the backoff over, a new server drops the retry",
          "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals(30s));
  for (int i = 0; i < 3; ++i) s.sync_failed_offline();
  REQUIRE(s.offline_backoff() == 120s);

  SECTION("a success") {
    s.sync_started();
    s.sync_succeeded();
    CHECK(s.offline_backoff() == 0s);
    CHECK(s.retry_at_ms() == 0);
    s.sync_failed_offline();
    CHECK(s.offline_backoff() == 30s);
    CHECK(s.retry_at_ms() == kStart + ms(30s));
  }
  SECTION("reached, but refused: no retry") {
    s.sync_started();
    s.sync_failed_online();
    CHECK(s.offline_backoff() == 0s);
    CHECK(s.retry_at_ms() == 0);
    clock.advance(1h);
    CHECK(s.due() == Due::nothing);
  }
  SECTION("the server changed") {
    s.cancel_retry();
    CHECK(s.retry_at_ms() == 0);
    clock.advance(1h);
    CHECK(s.due() == Due::nothing);
  }
}

TEST_CASE("schedule: time_to_next is the nearer of the retry and auto-sync",
          "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals(30s));
  s.set_auto_sync(true, 1, kStart - ms(20s));  // due in 40 s
  CHECK(s.time_to_next() == 40s);
  s.sync_failed_offline();  // due in 30 s
  CHECK(s.time_to_next() == 30s);
  clock.advance(35s);
  CHECK(s.due() == Due::retry);
  CHECK(s.time_to_next() == 0ms);
  s.cancel_retry();
  CHECK(s.due() == Due::nothing);
  CHECK(s.time_to_next() == 5s);
  clock.advance(10s);  // both past: due now, never negative
  CHECK(s.due() == Due::auto_sync);
  CHECK(s.time_to_next() == 0ms);
}

TEST_CASE("schedule: a sync's progress is published once per interval and the last always",
          "[console][schedule]") {
  ManualClock clock(kStart);
  SyncSchedule s(clock, intervals());  // progress 50 ms, page refresh 500 ms
  s.sync_started();

  auto tick = s.progress_tick(false);
  CHECK_FALSE(tick.publish);  // just published the start
  CHECK_FALSE(tick.refresh_page);
  clock.advance(49ms);
  CHECK_FALSE(s.progress_tick(false).publish);
  clock.advance(1ms);
  tick = s.progress_tick(false);
  CHECK(tick.publish);
  CHECK(tick.refresh_page);  // the first published progress reads the page
  CHECK_FALSE(s.progress_tick(false).publish);
  tick = s.progress_tick(true);  // the last one, at once
  CHECK(tick.publish);
  CHECK_FALSE(tick.refresh_page);  // the page was read 0 ms ago

  // Published every 50 ms, the page re-read every 500 ms.
  int publishes = 0, refreshes = 0;
  for (int i = 0; i < 20; ++i) {
    clock.advance(50ms);
    tick = s.progress_tick(false);
    publishes += tick.publish;
    refreshes += tick.refresh_page;
  }
  CHECK(publishes == 20);
  CHECK(refreshes == 2);

  SECTION("a new sync reads the page at its first publish") {
    s.sync_started();
    clock.advance(50ms);
    CHECK(s.progress_tick(false).refresh_page);
  }
  SECTION("a clock set back does not hold the throttle shut") {
    clock.set(kStart - ms(1h));
    tick = s.progress_tick(false);
    CHECK(tick.publish);
    CHECK(tick.refresh_page);
  }
}
