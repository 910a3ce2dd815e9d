#pragma once
// The worker thread's side of the console: it owns the SyncEngine, takes the UI's commands
// (coalescing reads, deferring writes that arrive during a sync), runs syncs, connection tests
// and writes, and publishes snapshots. When to sync on its own is the SyncSchedule's to say;
// what to read into the snapshot, the ReadModel's.
//
// Threading: created, run and destroyed on the worker thread; nothing in here is shared. It
// talks to the UI only through the WorkerChannel.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/console/read_model.hpp"
#include "app/console/sync_schedule.hpp"
#include "app/console/worker_channel.hpp"
#include "app/console/worker_clock.hpp"
#include "app/console/worker_options.hpp"
#include "core/live_probe.hpp"
#include "core/local_watch.hpp"
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
  bool open();
  void handle_batch(std::vector<Command>& batch);
  void handle(Command& c);
  void serve_reads_during_sync();
  void run_due_sync();

  void run_sync(SyncOptions options);
  void on_progress(const SyncProgress& p);
  void classify_failure(const SyncReport& r);
  void test_connection(const TestConnection& t);
  void verify(const VerifyNow& v);
  void show_history(const ShowHistory& h);
  void save_settings(const SaveSettings& s);
  void edit(const Command& c);
  void resolve(const ResolveConflict& r);
  void restore(const RestoreValue& r);
  void schedule_auto();
  /// Starts, restarts or stops live sync to match the settings and the server.
  void update_live();
  void live_event(const LiveEvent& e);

  void event(Event::Level level, std::string text, std::string record_id = "");
  void finish_command() { ++done_; }
  void publish();

  const WorkerOptions& options_;
  WorkerChannel& channel_;
  const Clock& clock_;
  SyncSchedule schedule_;
  std::unique_ptr<SyncEngine> engine_;
  std::optional<ReadModel> reads_;  // once the engine is open
  Snapshot snap_;
  std::deque<Command> deferred_;  // writes that arrived during a sync, run after it
  std::vector<Event> events_;
  std::uint64_t next_event_id_ = 1;
  std::uint64_t done_ = 0;
  // Live sync (the liveSync setting): a held pull and a local write watch, each on a thread
  // of its own, posting LiveEvents to this worker.
  std::unique_ptr<LiveProbe> live_;
  std::unique_ptr<LocalWriteWatch> local_;
  std::string live_remote_;  // the server live_ holds its pull on
  bool live_connected_ = false;
  bool synced_once_ = false;      // a sync has run in this session
  bool sync_after_save_ = false;  // the planned "launch" sync is for a newly saved server
};

}  // namespace craftsync::console
