#include "core/sqlite_db.hpp"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

#include "core/errors.hpp"

namespace craftsync {

void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xFF;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw TransientError(msg);
  throw std::runtime_error(msg);
}

SqliteStmt& SqliteStmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
SqliteStmt& SqliteStmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
SqliteStmt& SqliteStmt::bind_static(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
SqliteStmt& SqliteStmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
bool SqliteStmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, "sqlite step");
}

void SqliteStmt::run() {
  while (step()) {
  }
}

std::string SqliteStmt::text_at(int col) const {
  return std::string(view_at(col));
}

std::string_view SqliteStmt::view_at(int col) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
}

namespace {

/// A database holds customer data, so a new one is created 0600 whatever the umask. SQLite gives
/// its -wal and -shm files the database file's mode, so they follow. An existing file keeps the
/// mode its owner gave it; special names (":memory:", "file:" URIs) are left to SQLite.
void create_private(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);  // EEXIST and the rest: sqlite3_open_v2 opens or explains it
}

}  // namespace

SqliteConn::SqliteConn(const std::string& path, int busy_timeout_ms) {
  // Memory statistics take a global mutex on every allocation; nothing here reads them.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize() == SQLITE_OK;
  }();
  (void)configured;
  create_private(path);
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(msg);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

int wal_autocheckpoint_pages(SqliteConn& db) {
  auto st = db.prepare("PRAGMA page_size");
  std::int64_t page = st.step() ? st.int_at(0) : 4096;
  return static_cast<int>(kWalAutocheckpointBytes / std::max<std::int64_t>(page, 512));
}

void SqliteConn::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int primary = rc & 0xFF;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw TransientError(msg);
    throw std::runtime_error("sqlite: " + msg);
  }
}

SqliteStmt SqliteConn::prepare(const std::string& sql) {
  return SqliteStmt(db_, cached(sql));
}

sqlite3_stmt* SqliteConn::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "sqlite prepare");
    it = cache_.emplace(sql, stmt).first;
  }
  return it->second;
}

SqliteTxn::SqliteTxn(SqliteConn& c) : c_(c) {
  c_.exec("BEGIN IMMEDIATE");
}

SqliteTxn::~SqliteTxn() {
  if (done_) return;
  try {
    c_.exec("ROLLBACK");
  } catch (...) {
  }
}

void SqliteTxn::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

SqlitePool::Lease SqlitePool::acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (created_ < size_) {
      ++created_;
      lock.unlock();
      try {
        auto c = std::make_unique<SqliteConn>(path_, busy_timeout_ms_);
        if (!setup_.empty()) c->exec(setup_);
        return Lease(this, std::move(c));
      } catch (...) {
        std::lock_guard relock(mu_);
        --created_;
        throw;
      }
    }
    cv_.wait(lock);
  }
}

void SqlitePool::give_back(std::unique_ptr<SqliteConn> c) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

}  // namespace craftsync
