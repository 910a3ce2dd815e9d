#pragma once
// The server's SQLite schema: entity tables, the trigger-maintained change log, counters,
// device results and API keys.

#include <string>

namespace craftsync::server {

inline constexpr int kSqliteSchemaVersion = 4;

/// The DDL that takes a database from schema version `to - 1` to `to` (1: the whole schema of
/// a new database: tables, indexes and change-log triggers).
std::string sqlite_migration_sql(int to);

}  // namespace craftsync::server
