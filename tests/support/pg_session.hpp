#pragma once
// A direct libpq session for tests that act as an admin or a second writer on the server's
// PostgreSQL database (psql-like, but in-process so a test can hold a transaction open).
// Not shared between threads: give each thread its own session.

#include <chrono>
#include <string>

#include <libpq-fe.h>

namespace craftsync::test {

class PgSession {
 public:
  explicit PgSession(const std::string& url);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  /// Runs SQL (one or more statements) and waits; returns the first column of the first row
  /// of the last statement, or "" when it returned none. Throws with the server's message.
  std::string exec(const std::string& sql);
  /// Sends SQL without waiting for it, for a statement that is expected to block.
  void send(const std::string& sql);
  /// Waits for what send() started; same result and errors as exec().
  std::string finish();
  /// Waits for the next NOTIFY on a channel this session LISTENs on; returns the pid of the
  /// backend that sent it, or 0 when none came within `timeout`.
  int next_notification(std::chrono::milliseconds timeout);
  /// The server process serving this session (for pg_stat_activity and pg_terminate_backend).
  int backend_pid() const { return PQbackendPID(c_); }

 private:
  PGconn* c_;
};

/// Polls pg_stat_activity until a backend that matches `condition` (an SQL expression over
/// its columns, e.g. "pid = 123") is waiting for a lock; returns that backend's pid, or 0 when
/// none does within `timeout`.
int wait_for_lock_waiter(PgSession& monitor, const std::string& condition,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// `url` with its database name replaced by `dbname`.
std::string url_with_database(const std::string& url, const std::string& dbname);

}  // namespace craftsync::test
