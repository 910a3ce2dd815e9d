#pragma once
// A thin RAII layer over libpq for the PostgreSQL backend: results, a connection with a cache
// of prepared statements, and a bounded pool that drops broken connections and reconnects.
//
// Threading: a PgConn is used by one thread at a time (the pool hands it out with a Lease, and
// a Lease is not shared between threads). PgPool itself is thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <libpq-fe.h>

#include "server/storage.hpp"

namespace craftsync::server {

/// The connection to PostgreSQL is gone (broken socket, server restart, terminated backend).
/// Nothing more can run on that connection; the pool drops it.
class PgConnectionLost : public StorageUnavailable {
 public:
  using StorageUnavailable::StorageUnavailable;
};

/// The outcome of one statement. Owns its PGresult; rows and columns count from 0.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;
  ~PgResult() { PQclear(r_); }

  int rows() const { return PQntuples(r_); }
  bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
  }
  std::int64_t int_at(int row, int col) const;
  bool bool_at(int row, int col) const { return text(row, col) == "t"; }
  /// The command tag, e.g. "COMMIT" (or "ROLLBACK" when COMMIT met an aborted transaction).
  std::string_view command_tag() const { return PQcmdStatus(r_); }
  /// Gives up ownership of the PGresult.
  PGresult* release() {
    PGresult* r = r_;
    r_ = nullptr;
    return r;
  }

 private:
  PGresult* r_;
};

/// A statement parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string_view>;

class PgConn {
 public:
  /// Connects; throws PgConnectionLost when the server cannot be reached. `lock_timeout_ms`
  /// bounds how long one statement waits for a lock before failing as transient.
  PgConn(const std::string& url, int lock_timeout_ms);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  /// Runs one or more statements without parameters (simple query protocol); returns the
  /// last statement's result.
  PgResult exec(const std::string& sql);
  /// Like exec(), in one round trip, but returns every statement's result, in order. When a
  /// statement fails, PostgreSQL runs none after it, and this throws that statement's error.
  std::vector<PgResult> exec_all(const std::string& sql);
  /// Runs one statement with text parameters ($1, $2, ...), prepared once per connection.
  PgResult query(const std::string& sql, std::initializer_list<PgParam> params = {});
  PgResult query(const std::string& sql, const std::vector<PgParam>& params);
  /// Prepares `sql` on this connection unless it is already (a round trip the first time).
  void prepare(const std::string& sql, int params);
  /// "EXECUTE <name>(...)" of the prepared `sql`, its values inlined as quoted literals: a
  /// statement that travels with others in one exec_all(), yet is parsed and planned once per
  /// connection, not once per use. `sql` must be prepared (prepare()).
  std::string execute_text(const std::string& sql, const std::vector<PgParam>& params);
  /// The statements prepared here (sql -> name).
  const std::unordered_map<std::string, std::string>& prepared() const { return prepared_; }
  /// Prepares `statements` here under the same names, so that text naming them (an
  /// execute_text() made for another connection) runs here too. For a fresh connection.
  void adopt_prepared(const std::unordered_map<std::string, std::string>& statements);

  bool broken() const { return PQstatus(c_) != CONNECTION_OK; }
  /// For LISTEN: the socket to wait on, and how many notifications have arrived (it reads
  /// what the socket holds; throws PgConnectionLost when the connection broke).
  int socket() const { return PQsocket(c_); }
  int take_notifications();
  bool in_transaction() const { return PQtransactionStatus(c_) != PQTRANS_IDLE; }
  /// Counts each round trip from now on (a statement, or statements sent together) in `*trips`.
  void count_round_trips(std::atomic<std::uint64_t>* trips) { trips_ = trips; }

 private:
  void round_trip() {
    if (trips_) trips_->fetch_add(1, std::memory_order_relaxed);
  }

  PgResult checked(PGresult* r, std::string_view sql);
  /// `p` as a quoted SQL literal (NULL for nullopt), appended to `out`.
  void append_literal(std::string& out, const PgParam& p);

  PGconn* c_ = nullptr;
  std::atomic<std::uint64_t>* trips_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

/// Throws the exception that fits a failed statement: PgConnectionLost, StorageUnavailable
/// for transient server states (lock timeout, deadlock, shutdown), runtime_error otherwise.
[[noreturn]] void throw_pg(PGconn* c, const PGresult* r, std::string_view what);

class PgPool {
 public:
  PgPool(std::string url, int size, int lock_timeout_ms)
      : url_(std::move(url)), size_(size), lock_timeout_ms_(lock_timeout_ms) {}

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConn> c, bool reused)
        : pool_(pool), conn_(std::move(c)), reused_(reused) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    PgConn& operator*() { return *conn_; }
    PgConn* operator->() { return conn_.get(); }
    /// True when the connection sat idle in the pool before: it may have died meanwhile.
    bool reused() const { return reused_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConn> conn_;
    bool reused_;
  };

  /// An idle connection, or a new one while fewer than `size` exist. Waits up to the lock
  /// timeout when all are busy, then throws StorageUnavailable.
  Lease acquire();

  /// Runs `fn(lease)`. When a connection that sat idle in the pool turns out to be dead (the
  /// database restarted, or an admin terminated it), the other idle connections are dropped
  /// too and `fn` runs once more on a fresh connection. So `fn` must be safe to run again after
  /// a lost connection: a read, or the BEGIN of a write transaction, never a COMMIT.
  template <class Fn>
  auto run(Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      Lease lease = acquire();
      const bool reused = lease.reused();
      try {
        return fn(lease);
      } catch (const PgConnectionLost&) {
        if (!reused || attempt > 0) throw;
        drop_idle();
      }
    }
  }

  /// Closes every idle connection (they are all suspect once one was found dead).
  void drop_idle();
  /// Connections open, and how many of them are leased now.
  std::pair<int, int> use() {
    std::lock_guard lock(mu_);
    return {created_, created_ - static_cast<int>(idle_.size())};
  }
  int size() const { return size_; }
  /// Round trips to PostgreSQL made on the pool's connections so far.
  std::uint64_t round_trips() const { return trips_.load(std::memory_order_relaxed); }

 private:
  void give_back(std::unique_ptr<PgConn> c);

  std::string url_;
  int size_;
  int lock_timeout_ms_;
  int created_ = 0;
  std::atomic<std::uint64_t> trips_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
};

}  // namespace craftsync::server
