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

#include "core/entity.hpp"

namespace craftsync {

class SqliteConn;
class RecordStore;

struct ConflictRecord {
  std::int64_t id = 0;
  Entity entity = Entity::customers;
  std::string entity_id;
  std::vector<std::string> fields;         // in true conflict; ["_deleted"] for delete-vs-edit
  std::vector<std::string> merged_fields;  // taken from the remote side automatically
  nlohmann::json base, local, remote;      // null where that side had no record
  std::int64_t remote_rev = 0;
  bool resolved = false;
  std::string resolution;  // local | remote | fields:{...} | auto_remote | auto_local
  std::string resolved_at, created_at;
};

nlohmann::json to_json(const ConflictRecord& c);

enum class Side { local, remote };

struct Resolution {
  std::optional<Side> keep;            // keep one side for every conflicting field
  std::map<std::string, Side> fields;  // or a pick per field
};

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
