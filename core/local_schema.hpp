#pragma once
// The client's local SQLite schema and its versioned migrations (PRAGMA user_version).
//
// Threading: runs on the thread that owns the connection, before anything else uses it.

namespace craftsync {

class SqliteConn;

inline constexpr int kLocalSchemaVersion = 3;

/// Brings the database to kLocalSchemaVersion, in one transaction per step. Throws when the
/// file has a newer schema than this build understands.
void migrate_local_schema(SqliteConn& db);

}  // namespace craftsync
