#pragma once
// Conflicts as values: what the engine stores, what a person decides, and how it ended. No I/O;
// the console's snapshot carries these, so they include nothing but the data model.
//
// Threading: plain values, safe to copy between threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

/// The field name a conflict lists when one side deleted the record (delete versus edit, or a
/// record deleted on the server that local records still refer to).
inline constexpr std::string_view kDeletedField = "_deleted";
/// The field name of a history entry for a record discarded because its parent was deleted.
inline constexpr std::string_view kDiscardedField = "_discarded";

/// A local record, named by entity and id.
struct RecordRef {
  Entity entity = Entity::customers;
  std::string id;
  bool operator==(const RecordRef&) const = default;
};
nlohmann::json to_json(const std::vector<RecordRef>& refs);
std::vector<RecordRef> refs_from_json(const nlohmann::json& j);

enum class Side { local, remote };
std::string_view side_name(Side s);

/// A person's decision: one side for every conflicting field, or a pick per field.
struct Resolution {
  std::optional<Side> keep;
  std::map<std::string, Side> fields;
};

/// How a conflict ended. Stored as text in sync_conflicts.resolution (and shown so in JSON):
/// local | remote | fields:{"f":"local",...} | auto_local | auto_remote | discarded: <why>.
struct Outcome {
  enum class Kind { open, local, remote, fields, auto_local, auto_remote, discarded };
  Kind kind = Kind::open;
  std::map<std::string, Side> fields;  // Kind::fields: the side kept for each field
  std::string why;                     // Kind::discarded: what was deleted, and where

  static Outcome of(const Resolution& r);
  static Outcome automatic(Side kept) {
    return {kept == Side::local ? Kind::auto_local : Kind::auto_remote, {}, {}};
  }
  static Outcome discarded(std::string why) { return {Kind::discarded, {}, std::move(why)}; }
  static Outcome parse(std::string_view text);  // "" is open; unknown text is kept as `why`
  std::string text() const;
  bool open() const { return kind == Kind::open; }
  /// The side kept for a field, when the outcome says (not for discarded or open ones).
  std::optional<Side> kept(const std::string& field) const;
};

struct ConflictRecord {
  std::int64_t id = 0;
  Entity entity = Entity::customers;
  std::string entity_id;
  std::vector<std::string> fields;         // in true conflict; [kDeletedField] for a delete
  std::vector<std::string> merged_fields;  // taken from the remote side automatically
  nlohmann::json base, local, remote;      // null where that side had no record
  std::int64_t remote_rev = 0;
  bool resolved = false;
  Outcome resolution;
  std::string resolved_at, created_at;
  /// Delete conflicts: local records that refer to this one. Keeping the delete discards them.
  std::vector<RecordRef> dependents;
  bool is_delete() const { return fields.size() == 1 && fields[0] == kDeletedField; }
};

nlohmann::json to_json(const ConflictRecord& c);
/// The name of the record in conflict (record_name), from whichever side still has it.
std::string conflict_name(const ConflictRecord& c);

}  // namespace craftsync
