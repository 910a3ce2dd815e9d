#pragma once
// A record's history as the server keeps it (GET /api/v1/<entity>/<id>/history): every
// revision, newest first, with its time, its author and its data; and what changed between two
// revisions. Plain values, shown by the CLI and the console.
//
// Threading: plain values and pure functions; any thread.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

struct RevisionView {
  std::int64_t rev = 0;
  std::string at;  // ISO 8601 UTC
  std::string by;  // a device id, "admin:<key label>", "sql" or "migrated"
  bool deleted = false;
  nlohmann::json data;  // the row; null for a delete
};

struct RecordHistory {
  Entity entity = Entity::customers;
  std::string id;
  std::vector<RevisionView> revisions;  // newest first
  bool truncated = false;               // older revisions exist beyond what was fetched
  /// {"entity","id","revisions":[{"rev","at","by","deleted","data"}],"truncated"}.
  nlohmann::json to_json() const;
};

/// One field that differs between two revisions: its name, and its value before and after
/// (null when absent).
struct FieldChange {
  std::string field;
  nlohmann::json before, after;
};

/// The data-model fields that differ from `older` to `newer` (either may be null: a create or
/// a delete), in schema order.
std::vector<FieldChange> changed_fields(Entity e, const nlohmann::json& older,
                                        const nlohmann::json& newer);

/// What a revision did, in a few words: "created", "deleted", "restored", "changed name, city",
/// "no field changed". `older` is the revision before it (null for the first).
std::string describe_revision(Entity e, const RevisionView* older, const RevisionView& r);

/// The fields of a revision's data that a person may set: everything but the server's
/// numbers and timestamps. Restoring a version is an update with these.
nlohmann::json restorable_fields(Entity e, const nlohmann::json& data);

}  // namespace craftsync
