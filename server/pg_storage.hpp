#pragma once
// The PostgreSQL backend of the server's Storage interface (see storage.hpp for the contract).
//
// Threading: the returned Storage is thread-safe (a pool of connections, one per request at a
// time); each WriteTxn it begins belongs to the thread that began it.

#include <memory>
#include <string>

#include "server/storage.hpp"

namespace craftsync::server {

/// Connects to `url` (postgres://user@host:port/dbname, or any libpq connection string),
/// creates or migrates the schema, and keeps up to `pool_size` connections. `busy_timeout_ms`
/// bounds how long a request waits for a lock or a free connection before it answers
/// `retry` / 503. Throws StorageUnavailable when the database cannot be reached, and
/// std::runtime_error when its schema is newer than this server understands.
std::unique_ptr<Storage> open_pg_storage(const std::string& url, int pool_size,
                                         int busy_timeout_ms = 5000);

}  // namespace craftsync::server
