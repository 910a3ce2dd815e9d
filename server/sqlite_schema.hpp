#pragma once
// The server's SQLite schema: entity tables, the trigger-maintained change log, counters,
// device results and API keys.

#include <string>

namespace craftsync::server {

inline constexpr int kSqliteSchemaVersion = 1;

/// The full DDL for a new database (tables, indexes and change-log triggers).
std::string sqlite_schema_sql();

}  // namespace craftsync::server
