#pragma once
// Live sync's ear on the server: a held pull (`GET /changes?wait=S`, docs/protocol.md) from a
// client database's cursor, which answers when the server has a change to pull.
// - wait_for_remote_change() is one held pull; the CLI's `watch --live` calls it between syncs
//   (through SyncEngine).
// - LiveProbe keeps one held pull open on a thread of its own, with its own connection to the
//   database and its own HTTP client, for the console: its worker owns the engine and must stay
//   free for the UI's commands, so the probe only tells it "there is something to pull".
//
// Threading: wait_for_remote_change() runs on the caller's thread, with a connection and a
// client that thread owns. A LiveProbe's events run on its thread; the other members are for
// the thread that made it.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/cancel.hpp"
#include "core/http_client.hpp"

namespace craftsync {

class SqliteConn;

/// How long a held pull waits, under the client's 60 s timeout and most proxies' idle limits.
inline constexpr int kLiveHoldSeconds = 25;

/// Holds a pull open until the server has a change after `db`'s cursor (true), `seconds` pass
/// (false), or `cancel` fires (throws Cancelled). Changes nothing locally. Throws RemoteError
/// when the server cannot be reached or refuses.
bool wait_for_remote_change(SqliteConn& db, HttpClient& http, int seconds, CancelToken& cancel);

/// Whether the server holds pulls (`held_pulls` in /health). An older server ignores `wait`
/// and answers at once, so live sync against it would spin. Throws RemoteError when the server
/// cannot be reached.
bool server_holds_pulls(HttpClient& http);

class LiveProbe {
 public:
  struct Events {
    std::function<void()> change;  // the server has something to pull: sync, then synced()
    std::function<void(bool connected, const std::string& why)> link;  // when it changes
  };
  LiveProbe(std::string db_path, RemoteConfig remote, std::string device_id, Events events);
  ~LiveProbe();
  LiveProbe(const LiveProbe&) = delete;
  LiveProbe& operator=(const LiveProbe&) = delete;

  /// The sync that `change` asked for has finished: the next held pull may start (from the
  /// cursor that sync moved).
  void synced();

 private:
  void loop();
  /// Waits until synced(), the time passes, or the probe stops; false when it stops.
  bool pause(std::chrono::milliseconds most, bool until_synced);

  std::string db_path_;
  RemoteConfig remote_;
  std::string device_id_;
  Events events_;
  CancelToken cancel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, synced_ = false;
  std::thread thread_;
};

}  // namespace craftsync
