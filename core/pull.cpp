#include "core/pull.hpp"

#include <algorithm>
#include <future>
#include <tuple>

#include "core/cancel.hpp"
#include "core/clock.hpp"
#include "core/dependents.hpp"
#include "core/entity_sql.hpp"
#include "core/http_client.hpp"
#include "core/page_parser.hpp"
#include "core/reconcile.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_state.hpp"

namespace craftsync {
namespace {

class PageApplier {
 public:
  PageApplier(SqliteConn& db, RecordStore& store, ConflictPolicy policy)
      : db_(db), store_(store), policy_(policy) {
    for (Entity e : kEntitiesInFkOrder) {
      upsert_row_[static_cast<int>(e)] = db_.cached(upsert_pulled_row_sql(e));
      delete_row_[static_cast<int>(e)] = db_.cached(delete_pulled_row_sql(e));
    }
  }

  /// Applies a page and its cursor in one transaction; `total` counts it only once committed.
  void apply(const PulledPage& page, const std::vector<Entity>& cursor_entities, bool resync,
             PullStats& total) {
    PullStats stats;
    SqliteTxn txn(db_);
    resync_ = resync;
    // A client with no bookkeeping rows at all (a first sync) gets none from this page either:
    // only a record that has one can need reconciling. So no record needs the lookup.
    any_bookkeeping_ = store_.sync().has_any_bookkeeping();
    std::string now = utc_now_iso();
    for (const PulledChange& c : page.changes) {
      if (resync) mark_seen(c);
      if (c.deleted && defer_delete(c)) {
        ++stats.pulled;
        continue;
      }
      if (Took t = fast_path(c, now); t != Took::reconcile) {
        ++(t == Took::applied ? stats.pulled : stats.skipped);
        continue;
      }
      std::optional<RecordSync> info = store_.sync().get(c.entity, std::string(c.id));
      std::optional<std::int64_t> have = info ? info->remote_version : std::nullopt;
      if (!info || (have && *have >= c.rev && !(resync && *have != c.rev))) {
        ++stats.skipped;  // our own echo, an older change, or a tombstone of something we never had
        continue;
      }
      RecordState remote = c.deleted ? RecordState{} : RecordState{c.to_row()};
      ReconcileOutcome o =
          reconcile(db_, store_, c.entity, std::string(c.id), remote, c.rev, policy_);
      stats.merged += o.merged;
      stats.conflicts += o.conflict;
      ++stats.pulled;
    }
    for (Entity e : cursor_entities) {
      auto st = db_.prepare(
          "INSERT INTO cursors (entity_type, cursor) VALUES (?1, ?2) "
          "ON CONFLICT (entity_type) DO UPDATE SET cursor = excluded.cursor");
      st.bind(1, entity_name(e)).bind(2, std::string_view(page.next));
      st.run();
    }
    note_rev_seen(db_, std::stoll(page.next));
    txn.commit();
    total.pulled += stats.pulled;
    total.skipped += stats.skipped;
    total.merged += stats.merged;
    total.conflicts += stats.conflicts;
  }

  /// Tombstones deferred earlier (this pull, or one that crashed), decided now that every page
  /// is in: a later page may have moved the local records that referred to them elsewhere.
  void settle_deferred_deletes(PullStats& stats) {
    SqliteTxn txn(db_);
    std::vector<std::tuple<Entity, std::string, std::int64_t>> deferred;
    {
      auto st = db_.prepare("SELECT entity_type, entity_id, rev FROM remote_deletes");
      while (st.step())
        if (auto e = parse_entity(st.view_at(0)))
          deferred.emplace_back(*e, st.text_at(1), st.int_at(2));
    }
    // Children first, so that a quote discarded with its orders no longer holds its customer.
    std::sort(deferred.begin(), deferred.end(), [](const auto& a, const auto& b) {
      return static_cast<int>(std::get<0>(a)) > static_cast<int>(std::get<0>(b));
    });
    for (const auto& [e, id, rev] : deferred) {
      auto drop =
          db_.prepare("DELETE FROM remote_deletes WHERE entity_type = ?1 AND entity_id = ?2");
      drop.bind(1, entity_name(e)).bind(2, std::string_view(id));
      drop.run();
      auto info = store_.sync_info(e, id);
      if (!info && !store_.read_row(e, id)) continue;                             // gone already
      if (info && info->remote_version && *info->remote_version > rev) continue;  // restored since
      ReconcileOutcome o = reconcile(db_, store_, e, id, RecordState{}, rev, policy_);
      stats.merged += o.merged;
      stats.conflicts += o.conflict;
    }
    has_deferred_ = false;
    txn.commit();
  }

  bool has_deferred() {
    auto st = db_.prepare("SELECT 1 FROM remote_deletes LIMIT 1");
    has_deferred_ = st.step();
    return has_deferred_;
  }

 private:
  /// A tombstone of a record that local, unsynced records still refer to waits for the end of
  /// the pull (see settle_deferred_deletes); the record stays meanwhile, so references hold.
  bool defer_delete(const PulledChange& c) {
    // Only a record with local work is unsettled, and each such record has a bookkeeping row.
    if (!any_bookkeeping_ || children_of(c.entity).empty()) return false;
    std::string id(c.id);
    if (unsettled_descendants(db_, c.entity, id).empty()) return false;
    auto st = db_.prepare(
        "INSERT INTO remote_deletes (entity_type, entity_id, rev) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (entity_type, entity_id) DO UPDATE SET rev = max(rev, excluded.rev)");
    st.bind(1, entity_name(c.entity)).bind(2, std::string_view(id)).bind(3, c.rev);
    st.run();
    has_deferred_ = true;
    return true;
  }

  enum class Took { applied, skipped, reconcile };

  /// A record without local work takes the change when it is newer: its row is written once,
  /// with the rev, and no bookkeeping row (see core/sync_state.hpp). A record with a synced
  /// bookkeeping row takes it there too; any other needs reconciling.
  Took fast_path(const PulledChange& c, const std::string& now) {
    SyncState& sync = store_.sync();
    bool kept = any_bookkeeping_ && sync.has_bookkeeping(c.entity, c.id);
    if (kept && !(c.deleted ? sync.take_remote_delete(c.entity, c.id, c.rev, resync_)
                            : sync.take_remote(c.entity, c.id, c.rev, now, resync_)))
      return Took::reconcile;
    bool force = kept || resync_;
    int e = static_cast<int>(c.entity);
    if (c.deleted) {
      SqliteStmt d(db_.handle(), delete_row_[e]);
      d.bind_static(1, c.id).bind(2, c.rev).bind(3, std::int64_t(force));
      d.run();
      return kept || db_.changes() > 0 ? Took::applied : Took::skipped;
    }
    SqliteStmt r(db_.handle(), upsert_row_[e]);
    r.bind_static(1, c.id);
    int n = static_cast<int>(fields_of(c.entity).size());
    for (int i = 0; i < n; ++i) {
      if (c.values[i])
        r.bind_static(i + 2, *c.values[i]);
      else
        r.bind_null(i + 2);
    }
    r.bind(n + 2, c.rev).bind(n + 3, std::int64_t(force));
    r.run();
    if (!kept && db_.changes() == 0) return Took::skipped;  // our own echo, or an older change
    if (has_deferred_) {  // a record deleted earlier in this pull, and since restored
      auto st = db_.prepare("DELETE FROM remote_deletes WHERE entity_type = ?1 AND entity_id = ?2");
      st.bind_static(1, entity_name(c.entity)).bind_static(2, c.id);
      st.run();
    }
    return Took::applied;
  }

  void mark_seen(const PulledChange& c) {
    if (c.deleted) return;
    auto st =
        db_.prepare("INSERT OR IGNORE INTO resync_seen (entity_type, entity_id) VALUES (?1, ?2)");
    st.bind_static(1, entity_name(c.entity)).bind_static(2, c.id);
    st.run();
  }

  SqliteConn& db_;
  RecordStore& store_;
  ConflictPolicy policy_;
  bool resync_ = false;
  bool any_bookkeeping_ = true;
  bool has_deferred_ = false;  // remote_deletes may have rows (checked before the first page)
  // Handles owned by the connection's statement cache; kept here to skip the lookup per row.
  sqlite3_stmt* upsert_row_[3] = {};
  sqlite3_stmt* delete_row_[3] = {};
};

/// A first sync of more than one page writes its pages the cheap way:
/// - without the entity tables' reference indexes, which it builds once after its last page
///   (a sorted build costs about half of updating them row by row);
/// - without checkpoints: the WAL takes every page and, when it has grown past the usual
///   checkpoint size, a second connection copies it into the database file while this one
///   builds the indexes, on the other core. A page rewritten by many commits is copied once.
/// A pull that stops early builds the indexes as it leaves, and a process killed in between
/// leaves them to the next open (migrate_local_schema). bench/sync_bench measures it.
class FirstSyncWrites {
 public:
  explicit FirstSyncWrites(SqliteConn& db) : db_(db) {}
  FirstSyncWrites(const FirstSyncWrites&) = delete;
  FirstSyncWrites& operator=(const FirstSyncWrites&) = delete;
  ~FirstSyncWrites() {
    try {
      finish();
    } catch (...) {  // the next open builds the indexes; the next commit checkpoints
    }
  }

  /// Takes this path when every entity table is empty.
  void begin_if_empty() {
    for (Entity e : kEntitiesInFkOrder) {
      auto st = db_.prepare("SELECT 1 FROM " + std::string(entity_name(e)) + " LIMIT 1");
      if (st.step()) return;
    }
    SqliteTxn txn(db_);
    for (const ReferenceIndex& index : reference_indexes())
      db_.exec("DROP INDEX IF EXISTS " + index.name);
    txn.commit();
    // This hook takes the place of the automatic checkpoint, and counts the WAL's frames.
    sqlite3_wal_hook(db_.handle(), &FirstSyncWrites::note_wal, &wal_frames_);
    active_ = true;
  }

  void finish() {
    if (!active_) return;
    active_ = false;
    std::future<void> checkpoint;
    int checkpoint_pages = wal_autocheckpoint_pages(db_);
    if (wal_frames_ > checkpoint_pages) {
      std::string path = sqlite3_db_filename(db_.handle(), "main");
      checkpoint = std::async(std::launch::async, [path] {
        SqliteConn other(path, 5000);
        other.exec("PRAGMA wal_checkpoint(PASSIVE)");  // never waits for the builder below
      });
    }
    auto resume_checkpoints = [&] {
      db_.exec("PRAGMA wal_autocheckpoint = " + std::to_string(checkpoint_pages));
    };
    try {
      SqliteTxn txn(db_);
      for (const ReferenceIndex& index : reference_indexes(/*if_not_exists=*/true))
        db_.exec(index.create_sql);
      txn.commit();
    } catch (...) {
      resume_checkpoints();
      if (checkpoint.valid()) checkpoint.wait();
      throw;
    }
    resume_checkpoints();
    if (checkpoint.valid()) checkpoint.get();
  }

 private:
  static int note_wal(void* frames, sqlite3*, const char*, int n) {
    *static_cast<int*>(frames) = n;
    return SQLITE_OK;
  }

  SqliteConn& db_;
  bool active_ = false;
  int wal_frames_ = 0;  // in the WAL after the last commit
};

std::string read_cursor(SqliteConn& db, const std::vector<Entity>& entities) {
  std::int64_t lowest = -1;
  for (Entity e : entities) {
    auto st = db.prepare("SELECT cursor FROM cursors WHERE entity_type = ?1");
    st.bind(1, entity_name(e));
    std::int64_t v = st.step() ? std::stoll(st.text_at(0)) : 0;
    lowest = lowest < 0 ? v : std::min(lowest, v);
  }
  return std::to_string(std::max<std::int64_t>(lowest, 0));
}

std::int64_t device_number(SqliteConn& db, const char* key) {
  auto st = db.prepare("SELECT CAST(value AS INTEGER) FROM device WHERE key = ?1");
  st.bind(1, std::string_view(key));
  return st.step() ? st.int_at(0) : 0;
}

void set_device_number(SqliteConn& db, const char* key, std::int64_t value) {
  auto st = db.prepare(
      "INSERT INTO device (key, value) VALUES (?1, ?2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  st.bind(1, std::string_view(key)).bind(2, std::to_string(value));
  st.run();
}

/// Whether the server's history is no longer the one this client followed: its restore epoch
/// changed (`craftsync-server after-restore`), or its head is behind a rev we know it issued
/// (its database was put back from a backup without that command).
bool server_rewound(SqliteConn& db, const PulledPage& page) {
  std::int64_t epoch = device_number(db, "server_epoch");
  if (page.epoch != epoch) {
    if (!SyncState(db).has_remote_versions()) {
      set_device_number(db, "server_epoch", page.epoch);  // a first sync: nothing to redo
      return false;
    }
    return true;
  }
  return page.has_head && page.head < device_number(db, "rev_seen");
}

std::string resync_flag(SqliteConn& db) {
  auto st = db.prepare("SELECT value FROM device WHERE key = 'resync_entities'");
  return st.step() ? st.text_at(0) : "";
}

void begin_resync(SqliteConn& db, const std::vector<Entity>& entities) {
  SqliteTxn txn(db);
  db.exec("DELETE FROM resync_seen");
  for (Entity e : entities) {
    auto st = db.prepare(
        "INSERT INTO cursors (entity_type, cursor) VALUES (?1, '0') "
        "ON CONFLICT (entity_type) DO UPDATE SET cursor = '0'");
    st.bind(1, entity_name(e));
    st.run();
  }
  auto st = db.prepare(
      "INSERT INTO device (key, value) VALUES ('resync_entities', ?1) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  st.bind(1, entity_list(entities, ""));
  st.run();
  txn.commit();
}

/// After a full re-snapshot: synced records the server no longer has were deleted there.
void finish_resync(SqliteConn& db, const std::vector<Entity>& entities) {
  SqliteTxn txn(db);
  SyncState state(db);
  for (Entity e : entities) {
    for (const std::string& id : state.forget_synced_unseen(e)) {
      auto st = db.prepare(delete_row_sql(e, '?'));
      st.bind(1, std::string_view(id));
      st.run();
    }
  }
  db.exec("DELETE FROM resync_seen");
  db.exec("DELETE FROM device WHERE key = 'resync_entities'");
  txn.commit();
}

/// After a re-snapshot, the server's present history is the one to follow.
void adopt_server_history(SqliteConn& db, std::int64_t epoch, std::int64_t head) {
  SqliteTxn txn(db);
  set_device_number(db, "server_epoch", epoch);
  set_device_number(db, "rev_seen", head);
  txn.commit();
}

}  // namespace

std::string pull_cursor(SqliteConn& db) {
  return read_cursor(db, {kEntitiesInFkOrder.begin(), kEntitiesInFkOrder.end()});
}

void note_rev_seen(SqliteConn& db, std::int64_t rev) {
  auto st = db.prepare(
      "INSERT INTO device (key, value) VALUES ('rev_seen', ?1) ON CONFLICT (key) DO UPDATE SET "
      "value = CAST(max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)");
  st.bind(1, std::to_string(rev));
  st.run();
}

void pull_changes(const SyncStep& step, const PullOptions& options, PullStats& stats,
                  const std::function<void(const PullProgress&)>& progress) {
  auto& [db, store, http, cancel] = step;
  std::vector<Entity> entities = options.entities;
  if (entities.empty()) entities.assign(kEntitiesInFkOrder.begin(), kEntitiesInFkOrder.end());
  bool filtered = entities.size() < kEntitiesInFkOrder.size();
  std::string filter = filtered ? "&entities=" + entity_list(entities, "") : "";
  PageApplier applier(db, store, options.policy);
  applier.has_deferred();
  FirstSyncWrites first_sync(db);
  bool resync = !resync_flag(db).empty();

  // Two slots alternate: one page is applied while the next one lands in the other slot and
  // is parsed there, on the fetching thread.
  std::string buffers[2];
  PageParser parsers[2];
  const PulledPage* pages[2] = {};
  auto fetch = [&](const std::string& cursor, int slot) {
    http.get_into(
        "/api/v1/changes?after=" + cursor + "&limit=" + std::to_string(options.page_limit) + filter,
        buffers[slot]);
    pages[slot] = &parsers[slot].parse(buffers[slot]);
  };

  std::int64_t epoch = 0, last_cursor = 0;
  for (int restart = 0;; ++restart) {
    std::string cursor = read_cursor(db, entities);
    PullProgress prog;
    prog.start_rev = prog.cursor_rev = std::stoll(cursor);
    try {
      int slot = 0;
      fetch(cursor, slot);
      for (;;) {
        if (cancel.is_cancelled()) throw Cancelled();
        std::int64_t bytes = static_cast<std::int64_t>(buffers[slot].size());
        const PulledPage& page = *pages[slot];
        if (!resync && server_rewound(db, page))
          throw RemoteError("the server's change log was rewound (restored from a backup)", 410,
                            "resync_required");
        epoch = page.epoch;
        if (stats.pages == 0 && page.has_more && !resync) first_sync.begin_if_empty();
        std::future<void> next;
        if (page.has_more) next = std::async(std::launch::async, fetch, page.next, 1 - slot);
        applier.apply(page, entities, resync, stats);
        ++stats.pages;
        stats.bytes += bytes;
        prog.pages = stats.pages;
        prog.bytes = stats.bytes;
        prog.records += static_cast<std::int64_t>(page.changes.size());
        prog.cursor_rev = last_cursor = std::stoll(page.next);
        prog.head = std::max(page.head, prog.cursor_rev);
        if (progress) progress(prog);
        if (!page.has_more) break;
        next.get();
        slot = 1 - slot;
      }
      break;
    } catch (const RemoteError& e) {
      if (e.code() != "resync_required" || restart > 0) throw;
      begin_resync(db, entities);
      resync = stats.resynced = true;
    }
  }
  first_sync.finish();
  if (applier.has_deferred()) applier.settle_deferred_deletes(stats);
  if (resync) {
    finish_resync(db, entities);
    adopt_server_history(db, epoch, last_cursor);
  }
}

}  // namespace craftsync
