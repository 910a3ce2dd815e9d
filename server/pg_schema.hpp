#pragma once
// The server's PostgreSQL schema: the same tables as the SQLite backend, change-log triggers
// in PL/pgSQL, and the schema_version table that drives migrations.
//
// Threading: plain functions; migrate_pg_schema uses only the connection it is given.

#include <string>

namespace craftsync::server {

class PgConn;

inline constexpr int kPgSchemaVersion = 10;

/// Creates the schema in an empty database, or migrates an older one to kPgSchemaVersion, in
/// one transaction under an advisory lock (so servers starting together do it once). Throws
/// std::runtime_error when the database's schema is newer than this server understands.
void migrate_pg_schema(PgConn& conn);

/// The DDL of schema version 1 (tables, functions, triggers). Exposed for tests and docs.
std::string pg_schema_v1_sql();

}  // namespace craftsync::server
