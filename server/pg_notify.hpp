#pragma once
// Tells every instance's PgHeadListener that the server committed changes: NOTIFY
// craftsync_changes from a connection of its own, at once after a quiet spell, and then at
// most once every kMinGapMs for however many commits came meanwhile (the listeners read the
// horizon at most every PgHeadListener::kMinGapMs anyway). The server's write transactions set
// craftsync.quiet, so the change-log trigger does not NOTIFY in them (schema 10): in PostgreSQL
// every committing transaction that NOTIFYs takes one database-wide lock in turn, and concurrent
// pushes queued there. A failed NOTIFY is tried again every second on a fresh connection; a server
// killed between a commit and its NOTIFY leaves a held pull on another instance to its timeout.
//
// Threading: changed() from any thread; one thread of its own sends, and the destructor stops
// and joins it (sending a NOTIFY still owed, once, if the database answers).

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace craftsync::server {

class PgChangeNotifier {
 public:
  static constexpr int kMinGapMs = 5;  // between two NOTIFYs

  explicit PgChangeNotifier(std::string url);
  ~PgChangeNotifier();
  PgChangeNotifier(const PgChangeNotifier&) = delete;
  PgChangeNotifier& operator=(const PgChangeNotifier&) = delete;

  /// A write transaction that logged changes has committed.
  void changed();

 private:
  void loop();

  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool owed_ = false;  // a commit came after the last NOTIFY was sent
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace craftsync::server
