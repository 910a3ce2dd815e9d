#include "tests/support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <sqlite3.h>

#include "tests/support/pg_session.hpp"
#include "tests/support/server_process.hpp"

namespace craftsync::test {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string unique_database_name() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return "cs_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 1000000);
}

}  // namespace

bool testing_postgres() {
  std::string b = env("CRAFTSYNC_TEST_BACKEND");
  return b == "postgres" || b == "postgresql";
}

bool is_postgres_url(const std::string& db) {
  return db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0;
}

std::string test_cluster_url() {
  std::string url = env("CRAFTSYNC_TEST_PG_URL");
  if (url.empty())
    throw std::runtime_error(
        "CRAFTSYNC_TEST_SKIPPED: the PostgreSQL tests need CRAFTSYNC_TEST_PG_URL; scripts/test "
        "sets it, or run scripts/pg-cluster start DIR and export the URL it prints");
  return url;
}

TestDatabase::TestDatabase(DbKind kind) {
  if (kind == DbKind::configured && !testing_postgres()) {
    dir_ = std::make_unique<TempDir>();
    location_ = dir_->file("test.db");
    return;
  }
  std::string admin = test_cluster_url();
  pg_name_ = unique_database_name();
  PgSession(admin).exec("CREATE DATABASE " + pg_name_);
  location_ = url_with_database(admin, pg_name_);
}

TestDatabase::~TestDatabase() {
  if (pg_name_.empty()) return;
  try {
    PgSession(test_cluster_url()).exec("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
  } catch (...) {
    // The cluster is thrown away after the run; a leftover database harms nothing.
  }
}

std::string direct_sql(const std::string& db, const std::string& sql) {
  if (!is_postgres_url(db)) return sqlite3_cli(db, sql);
  int code = -1;
  std::string out = run_program(
      {"/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql},
      &code);
  if (code != 0) throw std::runtime_error("psql failed: " + sql);
  return out;
}

HeldWriteLock::HeldWriteLock(const std::string& db) {
  if (is_postgres_url(db)) {
    pg_ = std::make_unique<PgSession>(db);
    // Writers on PostgreSQL lock only their own rows; table locks stop them all.
    pg_->exec("BEGIN; LOCK TABLE customers, quotes, orders IN EXCLUSIVE MODE");
    return;
  }
  if (sqlite3_open(db.c_str(), &sqlite_) != SQLITE_OK ||
      sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_close(sqlite_);
    throw std::runtime_error("cannot take the SQLite write lock on " + db);
  }
}

HeldWriteLock::~HeldWriteLock() {
  if (pg_) {
    try {
      pg_->exec("ROLLBACK");
    } catch (...) {
    }
    return;
  }
  sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(sqlite_);
}

}  // namespace craftsync::test
