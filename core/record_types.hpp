#pragma once
// Records and their sync bookkeeping as values: what the store reads out and what the CLI and
// the console show. No I/O.
//
// Threading: plain values, safe to copy between threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/protocol.hpp"

namespace craftsync {

/// Sync bookkeeping of one record, as shown to people.
struct RecordSync {
  std::string state = "synced";  // synced | pending | conflict | rejected
  std::int64_t local_version = 0;
  std::optional<std::int64_t> remote_version;
  std::string last_synced_at;
  bool provisional_number = false;
  nlohmann::json errors = nlohmann::json::array();
  nlohmann::json base;  // null when the row itself is the agreed state
};

/// The column a list sorts on besides a field of the entity: the record's sync state.
inline constexpr std::string_view kSortByState = "_state";

struct ListQuery {
  std::string search;  // substring over the entity's main text fields and referred names
  std::string state;   // "", or a sync state to filter on
  std::int64_t offset = 0;
  std::int64_t limit = 100;
  // "" (creation order, by id), a field of the entity, or kSortByState. A reference sorts by
  // the referred record's name, an amount by its value; ties go by id.
  std::string sort{};
  bool descending = false;
};

/// A row of a list as a table shows it: the record, its sync state, and the names of the
/// records it refers to.
struct ListedRow {
  nlohmann::json row;
  std::string state = "synced";
  bool provisional_number = false;
  // One per fields_of(entity): the referred record's name for a reference field ("" when it is
  // missing here), "" for other fields.
  std::vector<std::string> names;
};

/// A record that another one refers to or is referred to by, as a link shows it.
struct RelatedRecord {
  Entity entity = Entity::customers;
  std::string id;
  std::string name;   // record_name(): "" when the record is not here
  std::string field;  // the reference field that links the two
};

struct OutboxEntry {
  std::int64_t seq = 0;
  Entity entity = Entity::customers;
  std::string id;
  Op op = Op::upsert;
  std::optional<std::int64_t> base_rev;
  nlohmann::json data;  // the full row for upserts
  std::string state;    // queued | inflight
  std::int64_t attempts = 0;
  std::string device_id;  // the id it was first sent under; empty while never sent
};

/// When this database last took a new device id, and why (empty `at` when it never did).
struct ForkInfo {
  std::string at, previous_device_id, reason;
  std::int64_t count = 0;
};

/// A record as JSON with its sync bookkeeping under "_sync", for the CLI and the console.
nlohmann::json with_sync_info(const nlohmann::json& row, const RecordSync& sync);

/// The number a record shows until the server assigns one: "Q-PENDING-1a2b3c4d".
std::string provisional_number(Entity e, const std::string& id);
bool is_provisional_number(std::string_view number);

}  // namespace craftsync
