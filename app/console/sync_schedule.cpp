#include "app/console/sync_schedule.hpp"

#include <algorithm>

namespace craftsync::console {
namespace {

// Whether `interval` has passed since `since`. A clock that went back counts as passed, so that
// setting the wall clock back cannot hold the throttle shut.
bool elapsed(std::int64_t now, std::int64_t since, std::chrono::milliseconds interval) {
  return now < since || now - since >= interval.count();
}

}  // namespace

SyncSchedule::Due SyncSchedule::due() const {
  if (launch_pending_) return Due::launch;
  std::int64_t now = clock_.now_ms();
  if (retry_at_ms_ > 0 && now >= retry_at_ms_) return Due::retry;
  if (next_auto_ms_ > 0 && now >= next_auto_ms_) return Due::auto_sync;
  return Due::nothing;
}

std::chrono::milliseconds SyncSchedule::time_to_next() const {
  if (launch_pending_) return std::chrono::milliseconds(0);
  std::int64_t next = 0;
  for (std::int64_t t : {next_auto_ms_, retry_at_ms_})
    if (t > 0 && (next == 0 || t < next)) next = t;
  if (next == 0) return kMaxWait;
  return std::chrono::milliseconds(
      std::clamp<std::int64_t>(next - clock_.now_ms(), 0, kMaxWait.count()));
}

void SyncSchedule::set_auto_sync(bool enabled, int interval_minutes,
                                 std::optional<std::int64_t> last_attempt_ms) {
  next_auto_ms_ = 0;
  if (!enabled) return;
  std::int64_t now = clock_.now_ms();
  std::int64_t interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::minutes(interval_minutes))
          .count();
  next_auto_ms_ = last_attempt_ms.value_or(now) + interval;
  if (next_auto_ms_ < now) next_auto_ms_ = now + kOverdueDelay.count();
}

void SyncSchedule::sync_started() {
  retry_at_ms_ = 0;
  std::int64_t now = clock_.now_ms();
  last_progress_ms_ = now;
  last_page_refresh_ms_ = now - intervals_.page_refresh.count();  // the first publish refreshes
}

void SyncSchedule::sync_failed_offline() {
  backoff_ =
      backoff_.count() == 0 ? intervals_.offline_retry : std::min(backoff_ * 2, kMaxOfflineBackoff);
  retry_at_ms_ = clock_.now_ms() + backoff_.count();
}

SyncSchedule::ProgressTick SyncSchedule::progress_tick(bool last) {
  ProgressTick tick;
  std::int64_t now = clock_.now_ms();
  if (!last && !elapsed(now, last_progress_ms_, intervals_.progress)) return tick;
  tick.publish = true;
  last_progress_ms_ = now;
  if (elapsed(now, last_page_refresh_ms_, intervals_.page_refresh)) {
    tick.refresh_page = true;
    last_page_refresh_ms_ = now;
  }
  return tick;
}

}  // namespace craftsync::console
