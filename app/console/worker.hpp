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

#include "app/console/worker_channel.hpp"
#include "app/console/worker_options.hpp"
#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

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
