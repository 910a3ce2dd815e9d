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
#include "core/errors.hpp"
#include "core/protocol.hpp"
#include "core/record_types.hpp"

namespace craftsync {

class SqliteConn;

class RecordStore {
 public:
  explicit RecordStore(SqliteConn& db) : db_(db) {}

  // --- the user's edits (validated, foreign keys enforced, captured in the outbox) ---
  nlohmann::json create(Entity e, nlohmann::json fields);
  nlohmann::json update(Entity e, const std::string& id, const nlohmann::json& patch);
  void remove(Entity e, const std::string& id);

  // --- reads ---
  std::vector<nlohmann::json> list(Entity e, const ListQuery& q);
  std::int64_t count(Entity e, const ListQuery& q);
  std::optional<RecordSync> sync_info(Entity e, const std::string& id);
  std::vector<OutboxEntry> outbox_for(Entity e, const std::string& id);

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

}  // namespace craftsync
