#pragma once
// Who is waiting for the change log to grow. A held `GET /changes?wait=S` subscribes with the
// head it saw; whatever learns that the head moved (a write route after its commit, the
// storage's watcher for writes from elsewhere: another process, psql, another instance) calls
// advanced(), and every waiter whose head was passed is woken once.
//
// Threading: every member may be called from any thread. A wake function runs on the thread
// that called advanced() or close() (or subscribe(), when the head had already passed), with
// no lock held; it must only hand the news on (the HTTP core posts to the connection's strand).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace craftsync::server {

class ChangeFeed {
 public:
  using Wake = std::function<void()>;
  /// Holds a subscription; dropping it unsubscribes (a wake already under way may still run).
  using Ticket = std::shared_ptr<void>;

  /// `wake` runs once, when the head passes `seen` (at once if it already has) or at close().
  Ticket subscribe(std::int64_t seen, Wake wake);
  /// The head is now at least `head`.
  void advanced(std::int64_t head);
  /// Wakes every waiter, now and from now on (the server is stopping).
  void close();

  std::int64_t head() const { return head_; }
  std::size_t waiting() const;

 private:
  struct Waiter {
    std::int64_t seen;
    Wake wake;
  };
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<Waiter>> waiters_;
  std::atomic<std::int64_t> head_{0};
  bool closed_ = false;
};

}  // namespace craftsync::server
