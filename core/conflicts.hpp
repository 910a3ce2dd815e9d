#pragma once
// Stored conflicts: listing them, and resolving one with keep-local, keep-remote or a pick per
// field. A resolution becomes a new mutation on the latest remote rev.
//
// Threading: the engine thread only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/conflict_types.hpp"
#include "core/entity.hpp"

namespace craftsync {

class SqliteConn;
class RecordStore;

/// A row for sync_conflicts: open when `resolution` is empty, else already resolved.
struct NewConflict {
  Entity entity = Entity::customers;
  std::string entity_id;
  nlohmann::json base, local, remote;  // null where that side has no record
  std::vector<std::string> fields, merged_fields;
  std::int64_t remote_rev = 0;
  Outcome resolution;  // open, or already resolved (a history entry)
  std::vector<RecordRef> dependents;
};

/// Stores a conflict (or a history entry); returns its id. The caller holds the transaction.
std::int64_t insert_conflict(SqliteConn& db, const NewConflict& c);

/// Marks every open conflict of a record resolved, with the given resolution.
void close_open_conflicts(SqliteConn& db, Entity e, const std::string& id,
                          const Outcome& resolution);

std::vector<ConflictRecord> list_conflicts(SqliteConn& db, bool include_resolved);
std::optional<ConflictRecord> find_conflict(SqliteConn& db, std::int64_t id);
std::int64_t open_conflict_count(SqliteConn& db);

/// Applies a person's decision. Throws UserError for an unknown or already resolved conflict,
/// or a field pick that misses a conflicting field or names another.
void resolve_conflict(SqliteConn& db, RecordStore& store, std::int64_t id, const Resolution& r);

/// Puts a value that lost a conflict (kept in history) back as a new local edit.
void restore_value(RecordStore& store, const ConflictRecord& c, Side side,
                   const std::string& field);

}  // namespace craftsync
