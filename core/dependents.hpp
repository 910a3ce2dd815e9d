#pragma once
// Local records that refer to another through a reference field (a customer's quotes and
// orders, a quote's orders), and what happens to them when that record is deleted on the
// server: they are kept (the record is restored) or discarded (kept in the conflict history).
// The caller holds the transaction.
//
// Threading: the engine thread only.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/conflict_types.hpp"
#include "core/entity.hpp"

namespace craftsync {

class SqliteConn;
class RecordStore;

/// Every local record that refers to (e, id), directly or through another one, deepest first
/// (so that deleting them in this order never breaks a reference).
std::vector<RecordRef> descendants_of(SqliteConn& db, Entity e, const std::string& id);

/// The descendants that hold local work: a sync state other than synced (pending, conflict,
/// rejected). These are what a delete on the server would take away from the user.
std::vector<RecordRef> unsettled_descendants(SqliteConn& db, Entity e, const std::string& id);

/// Deletes every descendant of (e, id) locally, with its outbox entries and bookkeeping. Those
/// that held local work are kept in sync_conflicts as resolved entries ("discarded: ..."), so
/// that a person can see what was dropped and why.
void discard_descendants(SqliteConn& db, RecordStore& store, Entity e, const std::string& id);

/// Descendants that the server refused because this record was missing (state rejected) go
/// back into the outbox, now that the record is being restored.
void requeue_refused_descendants(SqliteConn& db, RecordStore& store, Entity e,
                                 const std::string& id);

/// Before a row is put back locally (a person kept the server's side of a conflict), the
/// records it refers to must exist. One that this client deleted but has not yet sent (a queued
/// delete) comes back as it was when both sides last agreed, its delete dropped: the server
/// would refuse that delete anyway while this row refers to it. Returns false when a referred
/// record can not be brought back (unknown here, or its delete is already in flight).
bool bring_back_parents(SqliteConn& db, RecordStore& store, Entity e, const nlohmann::json& row);

}  // namespace craftsync
