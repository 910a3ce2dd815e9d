#pragma once
// When the console's worker syncs on its own: the sync on launch, the auto-sync timer, the
// offline retry with its backoff, and how often a running sync's progress is published. A plain
// class over an injected Clock, with no engine and no channel: told what happened ("a sync
// started", "it failed offline", "the settings changed"), it answers what is due now and how
// long until the next timer.
//
// Threading: the worker thread only (one per WorkerSession); the clock it reads is the only
// thing it shares.

#include <chrono>
#include <cstdint>
#include <optional>

#include "app/console/worker_clock.hpp"

namespace craftsync::console {

class SyncSchedule {
 public:
  struct Intervals {
    std::chrono::milliseconds offline_retry;  // the first retry when offline; then doubles
    std::chrono::milliseconds progress;       // at most one progress publish per interval
    std::chrono::milliseconds page_refresh;   // re-read the browsed table during a sync
  };
  /// The offline retry's delay doubles up to this.
  static constexpr std::chrono::milliseconds kMaxOfflineBackoff{std::chrono::minutes(5)};
  /// The longest time_to_next(): the worker looks at its timers at least this often.
  static constexpr std::chrono::milliseconds kMaxWait{std::chrono::minutes(1)};
  /// An auto-sync overdue at start-up runs this long after now, not in the middle of it.
  static constexpr std::chrono::milliseconds kOverdueDelay{std::chrono::minutes(1)};

  enum class Due { nothing, launch, retry, auto_sync };

  SyncSchedule(const Clock& clock, Intervals intervals) : clock_(clock), intervals_(intervals) {}

  // --- what is due
  /// The sync to run now, if any: the launch sync first, then an offline retry, then auto-sync.
  Due due() const;
  /// Until the next timer, between zero (something is due) and kMaxWait.
  std::chrono::milliseconds time_to_next() const;

  // --- sync on launch
  void plan_launch_sync(bool wanted) { launch_pending_ = wanted; }
  bool launch_pending() const { return launch_pending_; }
  void launch_sync_done() { launch_pending_ = false; }

  // --- auto-sync
  /// After start-up, a sync or a settings change: the next auto-sync is `interval_minutes` after
  /// the last attempt (after now when there was none), and soon when that is already past.
  /// Disabled, it never fires.
  void set_auto_sync(bool enabled, int interval_minutes,
                     std::optional<std::int64_t> last_attempt_ms);
  std::int64_t next_auto_ms() const { return next_auto_ms_; }  // Unix ms; 0: off

  // --- a sync's outcome and the offline retry
  /// A sync begins: it is the pending retry, if there was one; the progress throttle restarts.
  void sync_started();
  /// The server answered: the next offline spell starts again from the first delay.
  void sync_succeeded() { backoff_ = std::chrono::milliseconds(0); }
  /// The server could not be reached: retry after the backoff, which doubles each time up to
  /// kMaxOfflineBackoff.
  void sync_failed_offline();
  /// The server was reached but refused the key or failed: no retry, the backoff restarts.
  void sync_failed_online() { backoff_ = std::chrono::milliseconds(0); }
  /// The server changed: whatever retry was pending is dropped.
  void cancel_retry() { retry_at_ms_ = 0; }
  std::int64_t retry_at_ms() const { return retry_at_ms_; }  // Unix ms; 0: none
  std::chrono::milliseconds offline_backoff() const { return backoff_; }

  // --- a running sync's progress
  struct ProgressTick {
    bool publish = false;       // publish a snapshot for this progress report
    bool refresh_page = false;  // and re-read the browsed table first
  };
  /// For each progress report of a running sync; `last` is the final one, always published.
  ProgressTick progress_tick(bool last);

 private:
  const Clock& clock_;
  Intervals intervals_;
  bool launch_pending_ = false;
  std::int64_t next_auto_ms_ = 0;
  std::int64_t retry_at_ms_ = 0;
  std::chrono::milliseconds backoff_{0};
  std::int64_t last_progress_ms_ = 0;
  std::int64_t last_page_refresh_ms_ = 0;
};

}  // namespace craftsync::console
