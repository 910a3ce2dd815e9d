#pragma once
// The worker thread's side of the console: it owns the SyncEngine, runs commands, keeps the
// timers (auto-sync, offline retry, sync on launch) and publishes snapshots.
//
// Threading: created, run and destroyed on the worker thread; nothing in here is shared. It
// talks to the UI only through the WorkerChannel.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "app/console/worker_channel.hpp"
#include "app/console/worker_options.hpp"
#include "core/sync_engine.hpp"
#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

class WorkerSession {
 public:
  WorkerSession(const WorkerOptions& options, WorkerChannel& channel);
  ~WorkerSession();

  /// Opens the database, syncs on launch if asked to, then serves commands and timers until
  /// the channel says stop.
  void run();

 private:
  using Clock = std::chrono::steady_clock;

  bool open();
  void handle_batch(std::vector<Command>& batch);
  void handle(Command& c);
  void serve_reads_during_sync();

  void run_sync(SyncOptions options);
  void on_progress(const SyncProgress& p);
  void classify_failure(const SyncReport& r);
  void test_connection(const TestConnection& t);
  void save_settings(const SaveSettings& s);
  void edit(const Command& c);
  void resolve(const ResolveConflict& r);
  void restore(const RestoreValue& r);

  void browse(const TableQuery& q);
  void refresh_page(Entity e);
  void refresh_pages();
  void show(Entity e, const std::string& id);
  void refresh_detail();
  void refresh_status();
  void refresh_all();
  void schedule_auto();
  std::chrono::milliseconds time_to_next_timer() const;
  void fire_due_timers();

  void event(Event::Level level, std::string text);
  void finish_command() { ++done_; }
  void publish();

  const WorkerOptions& options_;
  WorkerChannel& channel_;
  std::unique_ptr<SyncEngine> engine_;
  Snapshot snap_;
  std::deque<Command> deferred_;  // writes that arrived during a sync, run after it
  std::vector<Event> events_;
  std::uint64_t next_event_id_ = 1;
  std::uint64_t done_ = 0;
  std::uint64_t generation_ = 1;

  std::array<std::optional<TableQuery>, 3> browsed_;  // the last window asked for, per table
  std::optional<Entity> active_table_;
  struct CountCache {
    std::optional<TableQuery> filter;
    std::uint64_t generation = 0;
    std::int64_t total = 0;
  };
  std::array<CountCache, 3> counts_;
  std::optional<std::pair<Entity, std::string>> shown_;

  std::int64_t next_auto_ms_ = 0;
  std::int64_t retry_at_ms_ = 0;
  std::chrono::seconds offline_backoff_{0};
  Clock::time_point last_progress_publish_{};
  Clock::time_point last_page_refresh_{};
};

}  // namespace craftsync::console
