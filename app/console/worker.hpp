#pragma once
// The console's worker: one thread that owns the SyncEngine (its SQLite connection and curl
// handle), the auto-sync timer, the offline retry and the sync on launch. It takes commands
// from the UI and publishes immutable snapshots back.
//
// Threading: a Worker object is created, used and destroyed on the render thread; its
// functions are for that thread. Everything the engine touches lives on the worker thread,
// which the Worker starts and joins. The two meet only in the WorkerChannel.

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "app/console/commands.hpp"
#include "app/console/snapshot.hpp"
#include "app/console/worker_channel.hpp"
#include "core/http_client.hpp"

namespace craftsync::console {

struct WorkerOptions {
  std::string db_path;
  RemoteConfig remote;
  RemoteView remote_view;         // the same URL and key, and where they came from
  bool allow_launch_sync = true;  // honour the syncOnLaunch setting
  std::chrono::milliseconds progress_interval{50};  // at most one progress snapshot per interval
  std::chrono::milliseconds page_refresh_interval{500};  // the browsed table during a sync
  std::chrono::seconds offline_retry{30};  // first retry delay when offline; doubles to 5 min
  int page_limit = 1000;
  std::function<void()> wake;  // on the worker thread after each publish
};

class Worker {
 public:
  explicit Worker(WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void send(Command c) { channel_.send(std::move(c)); }
  /// Sends a frame's commands in order and clears the list.
  void send_all(Commands& commands);
  /// The newest snapshot since the last call, or nullptr.
  SnapshotPtr poll() { return channel_.poll(); }
  std::uint64_t commands_sent() const { return channel_.sent(); }
  /// Cancels a running sync or probe and joins the thread. Idempotent.
  void stop();

 private:
  WorkerOptions options_;
  WorkerChannel channel_;
  std::thread thread_;
};

}  // namespace craftsync::console
