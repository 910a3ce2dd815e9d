#pragma once
// The server's storage interface. Routes and the push logic speak only to this; each backend
// (SQLite, PostgreSQL) implements it.
//
// Threading: a Storage is shared by all HTTP worker threads and must be thread-safe.
// A WriteTxn belongs to the thread that began it and is not shared between threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/errors.hpp"

namespace craftsync::server {

enum class Role { read = 0, sync = 1, admin = 2 };
std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

/// A transient storage failure (busy database, broken connection): the request may be retried.
using StorageUnavailable = craftsync::TransientError;

/// The client's cursor is older than the tombstone horizon: it must re-snapshot.
class ResyncRequired : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The state of one record as the change log sees it.
struct StoredRow {
  std::int64_t rev = 0;
  bool deleted = false;
  nlohmann::json data;  // the row (with "id"), null for a tombstone
};

/// One change-log entry, with its row kept as the JSON text the database produced.
struct ChangeEntry {
  Entity entity = Entity::customers;
  std::string id;
  std::int64_t rev = 0;
  bool deleted = false;
  std::string data_json;  // "null" for tombstones
};

struct ChangeSlice {
  std::vector<ChangeEntry> entries;
  bool has_more = false;
  std::int64_t head = 0;  // newest rev when the slice was read
};

struct ApiKeyInfo {
  std::int64_t id = 0;
  std::string label;
  Role role = Role::read;
  std::string created_at;
};

/// One write transaction. Everything done through it commits together or not at all.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  virtual std::optional<StoredRow> current(Entity e, const std::string& id) = 0;
  virtual bool exists(Entity e, const std::string& id) = 0;
  virtual bool has_children(Entity e, const std::string& id) = 0;
  /// `row` holds every data-model column of the entity (strings or null).
  virtual void insert(Entity e, const std::string& id, const nlohmann::json& row) = 0;
  virtual void update(Entity e, const std::string& id, const nlohmann::json& row) = 0;
  virtual void remove(Entity e, const std::string& id) = 0;
  /// The rev the change log holds for the record now (after a write in this transaction).
  virtual std::int64_t rev_of(Entity e, const std::string& id) = 0;
  /// The next value of the entity's number counter (1, 2, ...).
  virtual std::int64_t next_number(Entity e) = 0;
  /// Whether a server number is already used (an admin may have inserted rows by hand).
  virtual bool number_taken(Entity e, const std::string& number) = 0;
  /// The verdict recorded for (device, seq), as JSON text, if that mutation was processed.
  virtual std::optional<std::string> device_result(const std::string& device, std::int64_t seq) = 0;
  virtual void save_device_result(const std::string& device, std::int64_t seq,
                                  const std::string& result_json) = 0;
  virtual void commit() = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual std::string backend_name() const = 0;

  virtual std::unique_ptr<WriteTxn> begin_write() = 0;

  /// Changes with rev > after, in rev order, at most `limit`; `entities` empty means all.
  /// Throws ResyncRequired when `after` is older than the tombstone horizon.
  virtual ChangeSlice changes(std::int64_t after, int limit,
                              const std::vector<Entity>& entities) = 0;
  virtual std::optional<StoredRow> get(Entity e, const std::string& id) = 0;
  /// Live rows with id > after_id, in id order.
  virtual std::vector<StoredRow> list(Entity e, const std::string& after_id, int limit) = 0;
  virtual std::int64_t head_rev() = 0;
  virtual std::int64_t count_rows(Entity e) = 0;

  /// The stored (hash, role) of the key whose hash is `key_hash`, if any. The caller compares
  /// the hashes again in constant time.
  virtual std::optional<std::pair<std::string, Role>> find_key(const std::string& key_hash) = 0;
  virtual void add_key(const std::string& key_hash, Role role, const std::string& label) = 0;
  virtual std::vector<ApiKeyInfo> list_keys() = 0;

  /// Drops tombstones older than the cutoff; returns how many. Cursors before the newest
  /// dropped tombstone then get ResyncRequired.
  virtual std::int64_t purge_tombstones(std::int64_t older_than_unix_ms) = 0;
};

/// Opens (creating and migrating as needed) the SQLite backend. `busy_timeout_ms` bounds how
/// long a write waits for the file lock before the request answers `retry` / 503.
std::unique_ptr<Storage> open_sqlite_storage(const std::string& path, int pool_size,
                                             int busy_timeout_ms = 5000);

}  // namespace craftsync::server
