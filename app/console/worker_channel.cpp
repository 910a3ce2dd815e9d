#include "app/console/worker_channel.hpp"

namespace craftsync::console {

void WorkerChannel::send(Command c) {
  if (std::holds_alternative<CancelSync>(c)) {
    std::lock_guard lock(cancel_mu_);
    if (sync_running_) sync_cancel_.cancel();
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  commands_.enqueue(std::move(c));
}

SnapshotPtr WorkerChannel::poll() {
  SnapshotPtr newest, s;
  while (snapshots_.try_dequeue(s))
    if (!newest || s->version > newest->version) newest = std::move(s);
  return newest;
}

void WorkerChannel::request_stop() {
  {
    std::lock_guard lock(cancel_mu_);
    stopping_.store(true, std::memory_order_release);
    sync_cancel_.cancel();
    probe_cancel_.cancel();
  }
  commands_.enqueue(Refresh{});  // wakes a worker waiting for commands
}

bool WorkerChannel::wait_command(Command& out, std::chrono::milliseconds timeout) {
  return commands_.wait_dequeue_timed(
      out, std::chrono::duration_cast<std::chrono::microseconds>(timeout));
}

void WorkerChannel::publish(SnapshotPtr s) {
  snapshots_.enqueue(std::move(s));
  if (wake_) wake_();
}

bool WorkerChannel::begin_sync() {
  std::lock_guard lock(cancel_mu_);
  if (stopping_.load(std::memory_order_relaxed)) return false;
  sync_cancel_.reset();
  sync_running_ = true;
  return true;
}

void WorkerChannel::end_sync() {
  std::lock_guard lock(cancel_mu_);
  sync_running_ = false;
}

bool WorkerChannel::begin_probe() {
  std::lock_guard lock(cancel_mu_);
  if (stopping_.load(std::memory_order_relaxed)) return false;
  probe_cancel_.reset();
  return true;
}

}  // namespace craftsync::console
