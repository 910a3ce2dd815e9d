#pragma once
// Brings one record that has local changes together with a newer remote state: runs the
// three-way merge, applies the policy, keeps every losing value in sync_conflicts, and queues
// whatever still has to be pushed. When the remote side deleted the record and local records
// with unsynced work still refer to it, that is a conflict too (see core/dependents.hpp).
// Used by pull (a remote change to a pending record) and by
// push (a conflict verdict). The caller holds the transaction.
//
// Threading: the engine thread only.

#include <cstdint>
#include <string>

#include "core/merge.hpp"

namespace craftsync {

class SqliteConn;
class RecordStore;

struct ReconcileOutcome {
  bool merged = false;    // an automatic field-level merge happened
  bool conflict = false;  // a true conflict (stored for a person under `manual`)
};

ReconcileOutcome reconcile(SqliteConn& db, RecordStore& store, Entity e, const std::string& id,
                           const RecordState& remote, std::int64_t remote_rev,
                           ConflictPolicy policy);

}  // namespace craftsync
