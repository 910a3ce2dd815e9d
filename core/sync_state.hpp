#pragma once
// The sync state of the local records: each record's bookkeeping row (sync_metadata: its
// state, the server's rev, the merge base, errors) and the outbox of mutations waiting for the
// server, with the per-device sequence that numbers them. This is the only code that reads or
// writes those tables; the engine's steps (record store, pull, push, reconcile, conflicts)
// say what happened through the operations below.
//
// States: synced (no local work), pending (local changes to push), conflict (waiting for a
// person), rejected (refused by the server). A record with no bookkeeping row is synced at the
// rev its entity row carries (kRowRevColumn: a pull writes such a record once), or, with no rev
// there either, unknown to the server. The first local edit, or any verdict, gives a record a
// bookkeeping row, and from then on that row's rev is the one that counts. The view
// sync_records lists both kinds.
//
// Threading: not shared between threads; it works on the engine thread's connection. Writes
// expect the caller to hold a transaction when several must land together.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/protocol.hpp"
#include "core/record_types.hpp"

struct sqlite3_stmt;

namespace craftsync {

class SqliteConn;
class SqliteStmt;

/// The DDL of the sync-state tables at a local schema version (1 to 3), for migrate_local_schema.
std::string sync_state_schema(int version);

/// A record with local work or a verdict: anything not synced.
struct UnsettledRecord {
  Entity entity = Entity::customers;
  std::string id;
  std::string state;
  std::optional<std::int64_t> remote_version;
  nlohmann::json errors;  // null, or the server's array of {field, code, message}
};

class SyncState {
 public:
  explicit SyncState(SqliteConn& db) : db_(db) {}

  // --- reads ---
  std::optional<RecordSync> get(Entity e, const std::string& id);
  /// Whether any record has a bookkeeping row.
  bool has_any_bookkeeping();
  /// Whether the record has a bookkeeping row (without one it is synced, or unknown).
  bool has_bookkeeping(Entity e, std::string_view id);
  /// The record's state, or "" when it has no bookkeeping row.
  /// Records whose own later edits must wait: rejected, or in conflict.
  std::set<std::pair<Entity, std::string>> held_records();
  std::string state_of(Entity e, const std::string& id);
  /// Records in `state` (every unsettled one when empty), by entity and id, at most `limit`.
  std::vector<UnsettledRecord> unsettled(std::string_view state = "", std::int64_t limit = -1);
  std::int64_t count_in_state(std::string_view state);
  /// Whether any record has come from the server (a first sync has nothing to redo).
  bool has_remote_versions();
  /// A LEFT JOIN of the bookkeeping onto entity table alias `t` as `m`, for listing records,
  /// and the condition on `m` that keeps records in state `?<param>`.
  static std::string list_join(Entity e);
  static std::string list_state_condition(int param);

  // --- a local edit ---
  /// The record changed locally: local_version goes up, the state becomes pending (a conflict
  /// stays a conflict), and the first edit of a synced record keeps `before` as the merge base.
  void note_local_edit(Entity e, const std::string& id, const std::optional<nlohmann::json>& before,
                       bool provisional_number = false);
  /// Records a mutation for the record, coalescing with a queued (unsent) one. A delete of a
  /// record the server never had and nothing in flight forgets the record instead.
  void enqueue(Entity e, const std::string& id, Op op, const std::optional<nlohmann::json>& row);

  // --- what the server said, or what was decided ---
  /// The record is the server's rev `rev`, with nothing of ours left to send.
  void mark_synced(Entity e, const std::string& id, std::int64_t rev);
  /// Our changes still go out on top of the server's rev `rev`, whose row `base` is the new
  /// merge base (null: the server deleted it).
  void mark_pending(Entity e, const std::string& id, std::int64_t rev,
                    const std::optional<nlohmann::json>& base);
  /// Waits for a person; `remote` is the server's side (null: deleted there) at rev `rev`.
  void set_conflict(Entity e, const std::string& id, std::int64_t rev,
                    const std::optional<nlohmann::json>& remote);
  /// A person decided: the record is the server's rev `rev` (`to_push` false), or what they
  /// kept goes out on top of it, with `base` (the server's row, null if deleted there).
  void mark_resolved(Entity e, const std::string& id, std::int64_t rev,
                     const std::optional<nlohmann::json>& base, bool to_push);
  /// The server refused the record: it stays as it is here, marked rejected with the reasons.
  void mark_rejected(Entity e, const std::string& id, const nlohmann::json& errors);
  /// The server refused our delete and keeps rev `rev`, which is put back as the local row.
  void mark_delete_refused(Entity e, const std::string& id, std::int64_t rev,
                           const nlohmann::json& errors);
  /// A refused record goes again: pending, errors cleared.
  void mark_retry(Entity e, const std::string& id);
  /// The record is back to the state both sides agreed on (its queued delete was taken back).
  void mark_unchanged(Entity e, const std::string& id);
  /// The server's number replaced the provisional one.
  void clear_provisional(Entity e, const std::string& id);
  /// The record is gone here and there: drops its bookkeeping row (the outbox is untouched).
  void forget_metadata(Entity e, const std::string& id);
  /// The record is gone and nothing of it will be sent: its bookkeeping and outbox entries.
  void forget(Entity e, const std::string& id);

  // --- pull's fast path (records with no local work; the caller holds the transaction) ---
  /// Takes the server's rev `rev` when the record has no local work and the rev is newer
  /// (any rev, when `resync`). False when the record needs reconciling (or the change is old).
  bool take_remote(Entity e, std::string_view id, std::int64_t rev, std::string_view now,
                   bool resync);
  /// The same for a delete: drops the bookkeeping row; false when it needs reconciling.
  bool take_remote_delete(Entity e, std::string_view id, std::int64_t rev, bool resync);
  /// After a full re-snapshot: the synced records of `e` that the server no longer has (none
  /// of them was seen, see resync_seen). Drops their bookkeeping and returns their ids.
  std::vector<std::string> forget_synced_unseen(Entity e);

  // --- the outbox ---
  std::vector<OutboxEntry> outbox_for(Entity e, const std::string& id);
  /// Queued entries of `e` after `after_seq`, in seq order, at most `n`.
  std::vector<OutboxEntry> queued_window(Entity e, std::int64_t after_seq, std::int64_t n);
  /// Entries in flight of `e` that were sent under `device_id` ("" for entries sent before
  /// ids were recorded), in seq order, at most `n`.
  std::vector<OutboxEntry> inflight_window(Entity e, const std::string& device_id, std::int64_t n);
  /// The device id of the oldest entry in flight, or nullopt when nothing is in flight.
  std::optional<std::string> oldest_inflight_device();
  std::int64_t inflight_count();
  std::int64_t outbox_size();
  bool has_entries(Entity e, const std::string& id);
  /// The entry goes to the server under `device_id`: in flight, one more attempt.
  void mark_sent(std::int64_t seq, const std::string& device_id);
  /// mark_sent() for a batch's entries, in one statement.
  void mark_sent(const std::vector<std::int64_t>& seqs, const std::string& device_id);
  /// The server recorded nothing for the entry: it is queued again, to go under a new id.
  void requeue(std::int64_t seq);
  /// Undoes mark_sent() for an entry that was never sent: queued, as it was, under
  /// `device_id` again (empty: none).
  void unmark_sent(std::int64_t seq, const std::string& device_id);
  /// Verdicts arrived for these entries: they leave the outbox, in one statement.
  void remove_entries(const std::vector<std::int64_t>& seqs);
  /// The record's later entries were made on top of the server's rev `rev`.
  void rebase_entries(Entity e, const std::string& id, std::int64_t rev);
  /// Drops the record's unsent entries (a merge or a decision replaces them).
  void drop_queued(Entity e, const std::string& id);
  /// Drops every entry of the record.
  void drop_entries(Entity e, const std::string& id);
  /// The highest seq this database has used (0 before the first edit).
  std::int64_t last_used_seq();

 private:
  std::int64_t next_seq();
  /// Gives a synced record without a bookkeeping row one, with the rev its entity row carries.
  void keep_bookkeeping(Entity e, const std::string& id);
  void set_meta(Entity e, const std::string& id, std::int64_t rev,
                const std::optional<nlohmann::json>& base, std::string_view state,
                bool by_person = false);
  /// Runs one of the fast path's statements (?1 entity, ?2 id, ?3 rev, ?4 now, ?5 resync).
  bool take(sqlite3_stmt*& slot, const char* sql, Entity e, std::string_view id, std::int64_t rev,
            std::string_view now, bool resync);
  static std::vector<OutboxEntry> collect(SqliteStmt& st);

  SqliteConn& db_;
  // Handles owned by the connection's statement cache, for the pull's per-row path.
  sqlite3_stmt* take_remote_ = nullptr;
  sqlite3_stmt* take_remote_delete_ = nullptr;
  sqlite3_stmt* has_row_ = nullptr;
};

}  // namespace craftsync
