#pragma once
// Local records and change capture. Every create, update or delete made through the store
// is validated, written, and noted in the sync state (local_version, and an outbox mutation
// with its base rev and a per-device sequence) in the same transaction as the edit.
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
#include "core/sync_state.hpp"

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
  /// A page of a list as a table shows it: each row with its sync state and the names of the
  /// records it refers to (in one query).
  std::vector<ListedRow> browse(Entity e, const ListQuery& q);
  /// The record's name (record_name), or nullopt when it is not here.
  std::optional<std::string> name_of(Entity e, const std::string& id);
  /// The records a row refers to, one per reference field that is set, with their names.
  std::vector<RelatedRecord> references(Entity e, const nlohmann::json& row);
  /// Up to `limit` records per referring field that refer to this one (a customer's quotes,
  /// then its orders), oldest first.
  std::vector<RelatedRecord> referred_by(Entity e, const std::string& id, std::int64_t limit);
  std::optional<RecordSync> sync_info(Entity e, const std::string& id);
  std::vector<OutboxEntry> outbox_for(Entity e, const std::string& id);
  /// The local records that refer to this one, counted by entity (a customer's quotes and
  /// orders, a quote's orders); entities with none are left out. A delete waits for them.
  std::vector<std::pair<Entity, std::int64_t>> dependents(Entity e, const std::string& id);

  // --- building blocks for pull, push and conflict resolution (caller holds a transaction) ---
  std::optional<nlohmann::json> read_row(Entity e, const std::string& id);
  void write_row(Entity e, const std::string& id, const nlohmann::json& row);
  void delete_row(Entity e, const std::string& id);
  /// The records' sync state and the outbox, on the same connection.
  SyncState& sync() { return sync_; }
  std::string device_id();
  /// Replaces the device id with a new one (this database was restored or copied) and notes
  /// when and why. Returns the new id. The caller holds the transaction.
  std::string take_new_device_id(const std::string& reason);
  ForkInfo fork_info();

 private:
  void check_references(Entity e, const nlohmann::json& row);

  SqliteConn& db_;
  SyncState sync_{db_};
};

}  // namespace craftsync
