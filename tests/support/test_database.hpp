#pragma once
// Backend-neutral databases for tests. The protocol suite runs against SQLite by default, and
// against PostgreSQL when CRAFTSYNC_TEST_BACKEND=postgres, with CRAFTSYNC_TEST_PG_URL naming a
// cluster where it may create databases (scripts/test starts a throwaway one). Without that
// URL a PostgreSQL test fails with a message containing CRAFTSYNC_TEST_SKIPPED, which CTest
// reports as skipped.
//
// Threading: a TestDatabase or HeldWriteLock belongs to one thread; the free functions are
// thread-safe.

#include <memory>
#include <string>

struct sqlite3;

namespace craftsync::test {

class TempDir;
class PgSession;

/// True when the suite runs against PostgreSQL.
bool testing_postgres();
/// True when `db` (a server's --db) names a PostgreSQL database rather than a SQLite file.
bool is_postgres_url(const std::string& db);
/// The URL of the test cluster's admin database; throws (CRAFTSYNC_TEST_SKIPPED) when unset.
std::string test_cluster_url();

enum class DbKind {
  configured,  // PostgreSQL when testing_postgres(), else SQLite
  postgres,    // always PostgreSQL (for the tests only PostgreSQL has)
};

/// A fresh, empty database: a SQLite file in a temp dir, or a new database in the test
/// cluster, dropped (with any sessions on it) when destroyed.
class TestDatabase {
 public:
  explicit TestDatabase(DbKind kind = DbKind::configured);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  /// What the server takes as --db: a file path or a postgresql:// URL.
  const std::string& location() const { return location_; }

 private:
  std::unique_ptr<TempDir> dir_;
  std::string location_, pg_name_;
};

/// Runs SQL on `db` as an admin would, with the sqlite3 or psql command-line shell. Returns
/// stdout: one row per line, columns separated by '|'. Throws when the SQL fails.
std::string direct_sql(const std::string& db, const std::string& sql);

/// Holds the database's write lock while alive, as a long admin transaction would: SQLite's
/// file lock (BEGIN IMMEDIATE), or on PostgreSQL EXCLUSIVE locks on the entity tables.
class HeldWriteLock {
 public:
  explicit HeldWriteLock(const std::string& db);
  ~HeldWriteLock();
  HeldWriteLock(const HeldWriteLock&) = delete;
  HeldWriteLock& operator=(const HeldWriteLock&) = delete;

 private:
  sqlite3* sqlite_ = nullptr;
  std::unique_ptr<PgSession> pg_;
};

}  // namespace craftsync::test
