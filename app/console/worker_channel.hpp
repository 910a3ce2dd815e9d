#pragma once
// The two lock-free queues between the render thread and the worker thread, plus the
// cancellation that must reach a worker busy inside a sync.
//
// Threading: exactly one UI thread calls the "UI side" functions and exactly one worker thread
// calls the "worker side" ones. Commands travel UI -> worker and snapshots worker -> UI over
// moodycamel queues (FIFO per producer). Cancelling a sync trips an atomic token at once; a
// small mutex only orders "stop" against the start of a new sync, and is never held across I/O.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>

#include "core/cancel.hpp"
#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

class WorkerChannel {
 public:
  /// `wake` runs on the worker thread after each publish, e.g. glfwPostEmptyEvent.
  explicit WorkerChannel(std::function<void()> wake = {}) : wake_(std::move(wake)) {}
  WorkerChannel(const WorkerChannel&) = delete;
  WorkerChannel& operator=(const WorkerChannel&) = delete;

  // --- UI side ---
  /// Queues a command. CancelSync also cancels the running sync right away.
  void send(Command c);
  /// The newest snapshot published since the last call, or nullptr. Older ones are dropped.
  SnapshotPtr poll();
  /// Commands sent so far (compare with Snapshot::commands_done).
  std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  /// Cancels whatever runs and asks the worker loop to end.
  void request_stop();

  /// Any thread: queues a worker-internal command (LiveEvent), not counted in sent().
  void post(Command c) { commands_.enqueue(std::move(c)); }

  // --- worker side ---
  bool wait_command(Command& out, std::chrono::milliseconds timeout);
  bool try_command(Command& out) { return commands_.try_dequeue(out); }
  void publish(SnapshotPtr s);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  /// Arms the sync token for a new run; false when the worker is stopping.
  bool begin_sync();
  void end_sync();
  CancelToken& sync_token() { return sync_cancel_; }
  /// Same for connection probes, which a stop cancels but a "Cancel sync" does not.
  bool begin_probe();
  CancelToken& probe_token() { return probe_cancel_; }

 private:
  moodycamel::BlockingConcurrentQueue<Command> commands_;
  moodycamel::ConcurrentQueue<SnapshotPtr> snapshots_;
  std::function<void()> wake_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<bool> stopping_{false};
  std::mutex cancel_mu_;
  bool sync_running_ = false;  // guarded by cancel_mu_
  CancelToken sync_cancel_, probe_cancel_;
};

}  // namespace craftsync::console
