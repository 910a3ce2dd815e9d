#pragma once
// The server's storage interface. Routes and the push logic speak only to this; each backend
// (SQLite, PostgreSQL) implements it.
//
// Threading: a Storage is shared by all HTTP worker threads and must be thread-safe.
// A WriteTxn belongs to the thread that began it and is not shared between threads.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/errors.hpp"
#include "core/protocol.hpp"

namespace craftsync::server {

enum class Role { read = 0, sync = 1, admin = 2 };
std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

/// A transient storage failure (busy database, broken connection): the request may be retried.
using StorageUnavailable = craftsync::TransientError;

/// The client's cursor cannot be continued: it must re-snapshot from 0. `reason` says why:
/// "horizon" (older than the newest purged tombstone), "ahead" (past this server's head: the
/// database was replaced or restored), or "restored" (from before `after-restore` was run).
/// `head` is the server's head then, and `restored_head` the head the restored database had.
class ResyncRequired : public std::runtime_error {
 public:
  ResyncRequired(std::string reason, const std::string& message, std::int64_t head = 0,
                 std::int64_t restored_head = 0)
      : std::runtime_error(message),
        reason_(std::move(reason)),
        head_(head),
        restored_head_(restored_head) {}
  const std::string& reason() const { return reason_; }
  std::int64_t head() const { return head_; }
  std::int64_t restored_head() const { return restored_head_; }

 private:
  std::string reason_;
  std::int64_t head_, restored_head_;
};

/// The state of one record as the change log sees it.
struct StoredRow {
  std::int64_t rev = 0;
  bool deleted = false;
  nlohmann::json data;  // the row (with "id"), null for a tombstone
};

/// One change-log entry. Its id and its row, as the JSON text the database produced, live in
/// the slice's `text`: a page of 5,000 entries is one allocation, not 10,000.
struct ChangeEntry {
  Entity entity = Entity::customers;
  std::int64_t rev = 0;
  bool deleted = false;
  std::size_t id_at = 0, id_size = 0, data_at = 0, data_size = 0;  // in ChangeSlice::text
};

struct ChangeSlice {
  std::vector<ChangeEntry> entries;
  std::string text;  // every entry's id and data, back to back
  bool has_more = false;
  std::int64_t head = 0;   // newest rev when the slice was read
  std::int64_t epoch = 0;  // the restore horizon: 0, or where `after-restore` restarted revs

  /// Appends an entry; `data_json` is ignored for a tombstone, whose data is "null".
  void add(Entity entity, std::int64_t rev, bool deleted, std::string_view id,
           std::string_view data_json) {
    if (deleted || data_json.empty()) data_json = "null";
    ChangeEntry e{entity,          rev, deleted, text.size(), id.size(), text.size() + id.size(),
                  data_json.size()};
    text.append(id).append(data_json);
    entries.push_back(e);
  }
  std::string_view id(const ChangeEntry& e) const { return {text.data() + e.id_at, e.id_size}; }
  std::string_view data_json(const ChangeEntry& e) const {
    return {text.data() + e.data_at, e.data_size};
  }
};

/// One stored revision of a record (GET /api/v1/<entity>/<id>/history).
struct Revision {
  std::int64_t rev = 0;
  std::int64_t at_ms = 0;  // Unix ms of the write
  std::string by;          // a device id, "admin:<key label>", "sql" (by hand) or "migrated"
  bool deleted = false;
  std::string data_json;  // the row as JSON text; "null" for a delete
};

struct ApiKeyInfo {
  std::int64_t id = 0;
  std::string label;
  Role role = Role::read;
  std::string created_at;
};

/// The cursor rules of a pull, written once for every backend. Throws ResyncRequired when a
/// cursor `after` cannot be continued, given the head and the server's horizons (0 when unset).
void check_cursor(std::int64_t after, std::int64_t head, std::int64_t tombstone_horizon,
                  std::int64_t restore_horizon, std::int64_t restored_head);

/// A recorded push verdict: its JSON text, and the fingerprint of the mutation it judged
/// (empty for verdicts recorded before fingerprints existed).
struct DeviceResult {
  std::string result_json;
  std::string fingerprint;
};

/// What a write transaction knows of one device's recorded verdicts: those it read ahead from
/// a seq on, and those it saved itself. A backend fills it; device_result() asks it first.
struct KnownVerdicts {
  std::optional<std::int64_t> from;  // every seq >= from that has a verdict is in `results`
  std::map<std::int64_t, DeviceResult> results;

  /// The verdict of `seq`, when this knows it.
  const DeviceResult* find(std::int64_t seq) const {
    auto it = results.find(seq);
    return it == results.end() ? nullptr : &it->second;
  }
  /// Whether the database need not be asked about `seq`: read ahead, and found or not.
  bool covers(std::int64_t seq) const { return find(seq) || (from && seq >= *from); }
};

/// What `after-restore` did: the head the restored database had, and the new horizon.
struct RestoreMark {
  std::int64_t restored_head = 0;
  std::int64_t horizon = 0;
};

/// One write transaction. Everything done through it commits together or not at all.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  /// Before a push batch: the device, the records its mutations touch and the records they
  /// refer to. A backend with concurrent writers takes its locks here, in one order, and may
  /// read ahead; every other method works without this call.
  /// `first_seq` is the batch's lowest seq: the device's verdicts from there on may be read
  /// ahead too.
  virtual void prepare_batch(const std::string& device,
                             const std::vector<std::pair<Entity, std::string>>& records,
                             const std::vector<std::pair<Entity, std::string>>& parents,
                             std::int64_t first_seq) {
    (void)device, (void)records, (void)parents, (void)first_seq;
  }
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
  /// The next number no row uses yet: `prefix` and the counter's next value, at least six
  /// digits ("Q-2026-000042"). By default next_number() until number_taken() says no.
  virtual std::string take_number(Entity e, const std::string& prefix);
  /// Whether a server number is already used (an admin may have inserted rows by hand).
  virtual bool number_taken(Entity e, const std::string& number) = 0;
  /// The verdict recorded for (device, seq), if that mutation was processed.
  virtual std::optional<DeviceResult> device_result(const std::string& device,
                                                    std::int64_t seq) = 0;
  virtual void save_device_result(const std::string& device, std::int64_t seq,
                                  const DeviceResult& result) = 0;
  /// The highest seq recorded for the device (0 if none), counting this transaction's saves.
  virtual std::int64_t device_max_seq(const std::string& device) = 0;
  /// Who this transaction writes for, as record history names it: a device id, or
  /// "admin:<key label>". A write without one is recorded as "sql", as a hand-typed edit is.
  virtual void set_author(const std::string& author) = 0;
  virtual void commit() = 0;

  /// A new verdict of a push batch, to be recorded for (device, result->seq). When
  /// `rev_pending`, the verdict's rev is the rev that (entity, id) has after this transaction's
  /// writes, and is filled in (in *result and in the recorded verdict) before the commit.
  struct NewVerdict {
    Entity entity = Entity::customers;
    std::string id;
    MutationResult* result = nullptr;
    std::string fingerprint;
    bool rev_pending = false;
  };
  /// Records the verdicts and commits. By default: rev_of() for each pending rev, then
  /// save_device_result() for each verdict, then commit(). A backend that can send all of it
  /// at once does (PostgreSQL: one round trip).
  virtual void commit_push(const std::string& device, std::vector<NewVerdict>& verdicts);
};

/// A running watch of the head (see Storage::watch_head); destroying it stops the watch.
class HeadWatch {
 public:
  virtual ~HeadWatch() = default;
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
  /// The head to report to held pulls once a write that took `rev` has committed: `rev`
  /// where commits are serialized, 0 where the storage's watcher reports it instead.
  virtual std::int64_t head_after_write(std::int64_t rev) { return rev; }
  /// Every live row of the entity (id, rev, field values in fields_of() order), in no
  /// particular order, from one snapshot; returns the head of that snapshot. For checksums.
  using RowVisitor = std::function<void(std::string_view id, std::int64_t rev,
                                        std::span<const std::optional<std::string_view>> values)>;
  virtual std::int64_t scan_rows(Entity e, const RowVisitor& visit) = 0;
  /// The record's revisions with rev < `before` (0: from the newest), newest first, at most
  /// `limit`. Empty when the record never existed (or all its history was pruned).
  virtual std::vector<Revision> history(Entity e, const std::string& id, std::int64_t before,
                                        int limit) = 0;
  /// Calls `moved(head)` from a thread of its own when the head moves by a write made anywhere:
  /// this process, another process on the same database, psql or sqlite3 by hand, another
  /// server instance. SQLite polls `PRAGMA data_version` every 10 ms while `wanted()`;
  /// PostgreSQL LISTENs for the NOTIFY that the change-log trigger sends (always: a missed
  /// notification cannot be asked for again). `moved` may also be called when nothing moved.
  virtual std::unique_ptr<HeadWatch> watch_head(std::function<void(std::int64_t)> moved,
                                                std::function<bool()> wanted) = 0;
  /// The database connection pool: its size, connections open, and how many are in use.
  struct PoolUse {
    int size = 0, open = 0, in_use = 0;
    std::optional<std::uint64_t> round_trips;  // to a database server, where there is one
  };
  virtual PoolUse pool_use() = 0;
  virtual std::int64_t count_rows(Entity e) = 0;

  /// The stored key whose hash is `key_hash`, if any. The caller compares the hashes again in
  /// constant time.
  struct KeyMatch {
    std::string hash;
    Role role = Role::read;
    std::string label;
  };
  virtual std::optional<KeyMatch> find_key(const std::string& key_hash) = 0;
  virtual void add_key(const std::string& key_hash, Role role, const std::string& label) = 0;
  virtual std::vector<ApiKeyInfo> list_keys() = 0;

  /// Drops tombstones older than the cutoff; returns how many. Cursors before the newest
  /// dropped tombstone then get ResyncRequired.
  virtual std::int64_t purge_tombstones(std::int64_t older_than_unix_ms) = 0;
  /// Drops revisions written before the cutoff, except each record's current one (its live
  /// row, or its tombstone until that is purged); returns how many.
  virtual std::int64_t purge_history(std::int64_t older_than_unix_ms) = 0;

  /// For a database restored from a backup: moves the rev counter `gap` past its head and makes
  /// every older cursor re-snapshot (reason "restored"), so that no rev a client saw before the
  /// restore is ever issued again for other content.
  virtual RestoreMark mark_restored(std::int64_t gap) = 0;
};

/// Opens (creating and migrating as needed) the SQLite backend. `busy_timeout_ms` bounds how
/// long a write waits for the file lock before the request answers `retry` / 503.
std::unique_ptr<Storage> open_sqlite_storage(const std::string& path, int pool_size,
                                             int busy_timeout_ms = 5000);

}  // namespace craftsync::server
