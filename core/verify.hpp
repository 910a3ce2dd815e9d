#pragma once
// Verify: proves that the local database holds what the server holds, record by record,
// without downloading the records. Both sides digest their rows (core/record_digest.hpp); the
// client compares the server's bucket digests (GET /api/v1/checksums) with its own, then asks
// for the record digests of the buckets that differ only, down to the ids. Records with local
// changes still pending are counted, never reported as differences. Repair re-fetches the
// differing records that have no pending changes, as the server holds them.
//
// Threading: the engine thread (SyncEngine::verify runs it under the database's sync lock).

#include <cstdint>

#include "core/entity.hpp"
#include "core/sync_step.hpp"
#include "core/verify_report.hpp"

namespace craftsync {

/// Compares one entity with the server. Changes nothing.
EntityCheck verify_entity(const SyncStep& step, Entity e, VerifyCost& cost);

/// Makes the differing records of `check` what the server holds: fetched again (or removed when
/// the server no longer has them), each as an ordinary pulled change, in one transaction.
/// Records with pending changes are never in `check`'s lists. Returns how many changed.
std::int64_t repair_entity(const SyncStep& step, const EntityCheck& check, VerifyCost& cost);

/// This database's pull cursor for an entity (0 before its first pull).
std::int64_t entity_cursor(SqliteConn& db, Entity e);

}  // namespace craftsync
