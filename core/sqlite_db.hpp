#pragma once
// A thin RAII layer over sqlite3: a connection with a statement cache, and a bounded pool of
// connections (used by the server). A SqliteConn is used by one thread at a time (the pool hands
// it out); the pool itself is thread-safe.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sqlite3.h>

namespace craftsync {

/// The client's and the server's connections checkpoint every 32 MiB of WAL (SQLite's default
/// is 4): fewer checkpoints, each with its fsync, while a pull or a push writes.
inline constexpr std::int64_t kWalAutocheckpointBytes = std::int64_t{32} << 20;
/// The same in pages of SQLite's default size (the server's databases).
inline constexpr int kWalAutocheckpointPages = static_cast<int>(kWalAutocheckpointBytes / 4096);

/// A new client database takes 16 KiB pages, not SQLite's 4 KiB: a first sync of a million
/// records writes a quarter of the pages, B-tree splits and WAL frames, and takes about 15%
/// less time (docs/performance.md). An existing file keeps the size it was made with.
inline constexpr int kLocalPageSize = 16384;

/// A prepared statement borrowed from a connection's cache; reset on destruction.
class SqliteStmt {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  SqliteStmt& bind(int i, std::int64_t v);
  SqliteStmt& bind(int i, std::string_view v);
  /// Binds without copying: `v` must outlive the statement's next step.
  SqliteStmt& bind_static(int i, std::string_view v);
  SqliteStmt& bind_null(int i);

  /// Steps once; true when a row is available.
  bool step();
  /// Steps to completion of a statement that returns no rows.
  void run();

  std::int64_t int_at(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text_at(int col) const;
  std::string_view view_at(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConn {
 public:
  SqliteConn(const std::string& path, int busy_timeout_ms);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  void exec(const std::string& sql);
  SqliteStmt prepare(const std::string& sql);
  /// The cached handle itself, for hot loops that keep it (wrap it in a SqliteStmt per use).
  sqlite3_stmt* cached(const std::string& sql);
  std::int64_t changes() { return sqlite3_changes64(db_); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

/// A transaction on one connection: BEGIN IMMEDIATE on construction, ROLLBACK on destruction
/// unless committed.
class SqliteTxn {
 public:
  explicit SqliteTxn(SqliteConn& c);
  ~SqliteTxn();
  SqliteTxn(const SqliteTxn&) = delete;
  SqliteTxn& operator=(const SqliteTxn&) = delete;
  void commit();

 private:
  SqliteConn& c_;
  bool done_ = false;
};

/// kWalAutocheckpointBytes in pages of this database's page size.
int wal_autocheckpoint_pages(SqliteConn& db);

/// Throws TransientError for busy/locked, std::runtime_error otherwise.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

class SqlitePool {
 public:
  /// `setup` runs on each connection the pool opens (per-connection PRAGMAs).
  SqlitePool(std::string path, int size, int busy_timeout_ms, std::string setup = "")
      : path_(std::move(path)),
        size_(size),
        busy_timeout_ms_(busy_timeout_ms),
        setup_(std::move(setup)) {}

  class Lease {
   public:
    Lease(SqlitePool* pool, std::unique_ptr<SqliteConn> c) : pool_(pool), conn_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    SqliteConn& operator*() { return *conn_; }
    SqliteConn* operator->() { return conn_.get(); }

   private:
    SqlitePool* pool_;
    std::unique_ptr<SqliteConn> conn_;
  };

  Lease acquire();
  /// Connections open, and how many of them are leased now.
  std::pair<int, int> use() {
    std::lock_guard lock(mu_);
    return {created_, created_ - static_cast<int>(idle_.size())};
  }
  int size() const { return size_; }

 private:
  void give_back(std::unique_ptr<SqliteConn> c);

  std::string path_;
  int size_;
  int busy_timeout_ms_;
  std::string setup_;
  int created_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqliteConn>> idle_;
};

}  // namespace craftsync
