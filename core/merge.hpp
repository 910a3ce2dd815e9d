#pragma once
// The three-way, field-level merge: a pure function of (base, local, remote) and a policy.
// No I/O; safe from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

enum class ConflictPolicy { remote, local, manual };
std::string_view policy_name(ConflictPolicy p);
std::optional<ConflictPolicy> parse_policy(std::string_view s);

/// A record as one side sees it: a JSON object of data-model fields, or nullopt when that side
/// has deleted it (or, for the base, never agreed on it).
using RecordState = std::optional<nlohmann::json>;

struct MergeResult {
  /// The merged record with true conflicts settled by the policy (under `manual`, the local
  /// values stand until a person decides). nullopt: the record ends up deleted.
  RecordState merged;
  std::vector<std::string> conflicts;    // fields in true conflict
  std::vector<std::string> auto_merged;  // fields taken from the remote side automatically
  bool delete_conflict = false;          // one side deleted, the other edited
  bool needs_person = false;             // `manual` and there is a true conflict
  bool needs_push = false;               // the merged record differs from the remote one
  bool has_conflict() const { return delete_conflict || !conflicts.empty(); }
};

MergeResult merge_records(Entity e, const RecordState& base, const RecordState& local,
                          const RecordState& remote, ConflictPolicy policy);

/// Puts the fields the server owns (its numbers, the creation time) from `remote` into `row`,
/// where the remote side has them: a row that is pushed as an update keeps the server's.
void take_server_owned_fields(Entity e, const nlohmann::json& remote, nlohmann::json& row);

/// True when two rows agree on every user field (timestamps and server numbers ignored).
bool same_user_fields(Entity e, const nlohmann::json& a, const nlohmann::json& b);

/// Whether a field takes part in conflict detection (not timestamps, not server numbers).
bool is_user_field(const FieldSpec& f);

}  // namespace craftsync
