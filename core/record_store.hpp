#pragma once
// Local records and change capture. Every create, update or delete made through the store
// bumps local_version and records an outbox mutation (with its base rev and a per-device
// sequence) in the same transaction as the edit.
//
// Threading: not shared between threads; it works on the engine thread's connection.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/protocol.hpp"

namespace craftsync {

class SqliteConn;

/// An edit the user asked for that cannot be done (bad value, unknown record). One line.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

struct ListQuery {
  std::string search;  // substring over the entity's main text fields
  std::string state;   // "", or a sync state to filter on
  std::int64_t offset = 0;
  std::int64_t limit = 100;
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

class RecordStore {
 public:
  explicit RecordStore(SqliteConn& db) : db_(db) {}

  // --- the user's edits (validated, foreign keys enforced, captured in the outbox) ---
  nlohmann::json create(Entity e, nlohmann::json fields);
  nlohmann::json update(Entity e, const std::string& id, const nlohmann::json& patch);
  void remove(Entity e, const std::string& id);

  // --- reads ---
  std::optional<nlohmann::json> get(Entity e, const std::string& id);
  std::vector<nlohmann::json> list(Entity e, const ListQuery& q);
  std::int64_t count(Entity e, const ListQuery& q);
  std::optional<RecordSync> sync_info(Entity e, const std::string& id);
  std::vector<OutboxEntry> outbox_for(Entity e, const std::string& id);
  std::vector<OutboxEntry> outbox_all();
  std::int64_t pending_count();

  // --- building blocks for pull, push and conflict resolution (caller holds a transaction) ---
  std::optional<nlohmann::json> read_row(Entity e, const std::string& id);
  void write_row(Entity e, const std::string& id, const nlohmann::json& row);
  void delete_row(Entity e, const std::string& id);
  /// Records a mutation for the record, coalescing with a queued (unsent) one.
  void enqueue(Entity e, const std::string& id, Op op, const std::optional<nlohmann::json>& row);
  void set_state(Entity e, const std::string& id, const std::string& state,
                 const nlohmann::json& errors = nullptr);
  std::string device_id();
  /// Replaces the device id with a new one (this database was restored or copied) and notes
  /// when and why. Returns the new id. The caller holds the transaction.
  std::string take_new_device_id(const std::string& reason);
  ForkInfo fork_info();

 private:
  std::int64_t next_seq();
  void bump_version(Entity e, const std::string& id, const std::optional<nlohmann::json>& before);
  void check_references(Entity e, const nlohmann::json& row);

  SqliteConn& db_;
};

/// Outbox entries matching an SQL condition on the outbox table, in seq order.
std::vector<OutboxEntry> select_outbox(SqliteConn& db, const std::string& where,
                                       std::int64_t limit);

/// A record as JSON with its sync bookkeeping under "_sync", for the CLI and the console.
nlohmann::json with_sync_info(const nlohmann::json& row, const RecordSync& sync);

/// The JSON of a local row read from a statement: columns id, then fields_of(e) in order.
std::string provisional_number(Entity e, const std::string& id);

}  // namespace craftsync
