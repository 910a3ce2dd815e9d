#pragma once
// Tells every instance's PgHeadListener that the server committed changes, without making
// concurrent commits queue for PostgreSQL's NOTIFY lock: every committing transaction that
// NOTIFYs takes one database-wide lock in turn, held from before its commit record until after
// it, and with the change-log trigger's NOTIFY in every push, concurrent pushes waited there.
//
// A write transaction asks quiet() when it begins. When the last NOTIFY is older than the gap
// (paced_gap() of the last one the notifier sent: 2 to 10 ms) the answer is no: the
// transaction NOTIFYs from the trigger at its commit, as SQL typed by hand does, with no extra
// hop. Within the gap it is yes: the transaction sets craftsync.quiet (schema 10), and after
// its commit changed() owes a NOTIFY, which a connection of the notifier's own sends when the
// gap has passed, one for however many commits came meanwhile. So a stream of pushes makes
// about one NOTIFY per gap, and a single write reaches the listeners as soon as it commits.
//
// A failed NOTIFY is tried again at once on a fresh connection, then every second; a server
// killed between a quiet commit and its NOTIFY leaves a held pull on another instance to its
// deadline (the change itself is in the log, and the next pull gets it).
//
// Threading: quiet() and changed() from any thread; one thread of its own sends, and the
// destructor stops and joins it (sending a NOTIFY still owed, once, if the database answers).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace craftsync::server {

class PgChangeNotifier {
 public:
  /// A `fixed_gap` (for tests) replaces paced_gap().
  explicit PgChangeNotifier(std::string url, std::chrono::microseconds fixed_gap = {});
  ~PgChangeNotifier();
  PgChangeNotifier(const PgChangeNotifier&) = delete;
  PgChangeNotifier& operator=(const PgChangeNotifier&) = delete;

  /// Whether a write transaction beginning now should leave its NOTIFY to changed(). A no
  /// counts as a NOTIFY sent now.
  bool quiet();
  /// A quiet write transaction that logged changes has committed.
  void changed();

 private:
  void loop();

  std::string url_;
  const std::chrono::microseconds fixed_gap_;
  std::chrono::microseconds gap_;  // between two NOTIFYs
  std::mutex mu_;
  std::condition_variable cv_;
  bool owed_ = false;  // a quiet commit came after the last NOTIFY was sent
  std::chrono::steady_clock::time_point last_{};  // the last NOTIFY, sent or left to a trigger
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace craftsync::server
