// The embedded SQLite backend: one file in WAL mode, a pool of connections, writes serialized
// by BEGIN IMMEDIATE. Revs come from triggers, so SQLite's single writer makes them gap-free:
// a reader's snapshot never holds rev N+1 without rev N.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "core/clock.hpp"
#include "core/entity_sql.hpp"
#include "core/sqlite_db.hpp"
#include "server/head_watch.hpp"
#include "server/server_tables.hpp"
#include "server/sqlite_schema.hpp"
#include "server/storage.hpp"

namespace craftsync::server {
namespace {

using nlohmann::json;

void bind_row(SqliteStmt& st, Entity e, const std::string& id, const json& row) {
  st.bind(1, std::string_view(id));
  int i = 2;
  for (const FieldSpec& f : fields_of(e)) {
    auto it = row.find(f.name);
    if (it == row.end() || it->is_null())
      st.bind_null(i);
    else
      st.bind(i, std::string_view(it->get_ref<const std::string&>()));
    ++i;
  }
}

StoredRow row_from(SqliteStmt& st, int rev_col, int deleted_col, int data_col) {
  StoredRow r;
  r.rev = st.int_at(rev_col);
  r.deleted = st.int_at(deleted_col) != 0;
  r.data = r.deleted || st.is_null(data_col) ? json(nullptr) : json::parse(st.view_at(data_col));
  return r;
}

/// This process's writers, one at a time. (A condition variable rather than a timed_mutex:
/// GCC 12's ThreadSanitizer does not see timed_mutex's timed lock.)
class WriteTurns {
 public:
  /// Waits for the turn at most `wait`; false when it did not come.
  bool take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait, [this] { return !taken_; })) return false;
    taken_ = true;
    return true;
  }
  void give_back() {
    {
      std::lock_guard lock(mu_);
      taken_ = false;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool taken_ = false;
};

/// A taken turn, given back on destruction.
class Turn {
 public:
  explicit Turn(WriteTurns& turns) : turns_(turns) {}
  ~Turn() { turns_.give_back(); }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

 private:
  WriteTurns& turns_;
};

class SqliteWriteTxn final : public WriteTxn {
  using RecordKey = std::pair<Entity, std::string>;

 public:
  SqliteWriteTxn(WriteTurns& turns, SqlitePool::Lease lease) : turn_(turns), c_(std::move(lease)) {
    c_->exec("BEGIN IMMEDIATE");
  }
  ~SqliteWriteTxn() override {
    if (!done_) {
      try {
        c_->exec("ROLLBACK");
      } catch (...) {
      }
    }
  }

  std::optional<StoredRow> current(Entity e, const std::string& id) override {
    auto st = c_->prepare(
        "SELECT rev, deleted, data FROM change_log WHERE entity = ?1 AND entity_id = ?2");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    if (!st.step()) return std::nullopt;
    return row_from(st, 0, 1, 2);
  }

  bool exists(Entity e, const std::string& id) override {
    auto st = c_->prepare("SELECT 1 FROM " + std::string(entity_name(e)) + " WHERE id = ?1");
    st.bind(1, std::string_view(id));
    return st.step();
  }

  bool number_taken(Entity e, const std::string& number) override {
    auto field = number_field(e);
    if (!field) return false;
    auto st = c_->prepare("SELECT 1 FROM " + std::string(entity_name(e)) + " WHERE " +
                          std::string(*field) + " = ?1");
    st.bind(1, std::string_view(number));
    return st.step();
  }

  bool has_children(Entity e, const std::string& id) override {
    std::string sql = has_children_sql(e, '?');
    if (sql.empty()) return false;
    auto st = c_->prepare(sql);
    st.bind(1, std::string_view(id));
    return st.step();
  }

  void insert(Entity e, const std::string& id, const json& row) override {
    static const auto sql = per_entity_sql([](Entity x) { return insert_row_sql(x, '?'); });
    SqliteStmt st(c_->handle(), c_->cached(sql[static_cast<std::size_t>(e)]));
    bind_row(st, e, id, row);
    st.run();
  }

  void update(Entity e, const std::string& id, const json& row) override {
    static const auto sql = per_entity_sql([](Entity x) { return update_row_sql(x, '?'); });
    SqliteStmt st(c_->handle(), c_->cached(sql[static_cast<std::size_t>(e)]));
    bind_row(st, e, id, row);
    st.run();
  }

  void remove(Entity e, const std::string& id) override {
    auto st = c_->prepare(delete_row_sql(e, '?'));
    st.bind(1, std::string_view(id));
    st.run();
  }

  std::int64_t rev_of(Entity e, const std::string& id) override {
    auto st = c_->prepare("SELECT rev FROM change_log WHERE entity = ?1 AND entity_id = ?2");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    return st.step() ? st.int_at(0) : 0;
  }

  std::int64_t next_number(Entity e) override {
    auto up = c_->prepare(
        "INSERT INTO counters (name, value) VALUES (?1, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value");
    up.bind(1, entity_name(e));
    if (!up.step()) throw std::runtime_error("counter update returned nothing");
    return up.int_at(0);
  }

  // A push batch reads the device's verdicts from its first seq on in one query, and each
  // judged mutation asks the map (the write turn keeps every other writer away meanwhile).
  void prepare_batch(const std::string& device, const std::vector<RecordKey>&,
                     const std::vector<RecordKey>&, std::int64_t first_seq) override {
    KnownVerdicts& known = known_[device];
    auto st = c_->prepare(
        "SELECT seq, result, coalesce(fingerprint, '') FROM device_results WHERE device_id = ?1 "
        "AND seq >= ?2");
    st.bind(1, std::string_view(device)).bind(2, first_seq);
    while (st.step())
      known.results.emplace(st.int_at(0), DeviceResult{st.text_at(1), st.text_at(2)});
    known.from = first_seq;
  }

  std::optional<DeviceResult> device_result(const std::string& device, std::int64_t seq) override {
    const KnownVerdicts& known = known_[device];
    if (known.covers(seq)) {
      const DeviceResult* found = known.find(seq);
      return found ? std::optional(*found) : std::nullopt;
    }
    auto st = c_->prepare(
        "SELECT result, coalesce(fingerprint, '') FROM device_results WHERE device_id = ?1 AND "
        "seq = ?2");
    st.bind(1, std::string_view(device)).bind(2, seq);
    if (!st.step()) return std::nullopt;
    return DeviceResult{st.text_at(0), st.text_at(1)};
  }

  // The verdict now; the device's row once, at commit, with the highest seq saved.
  void save_device_result(const std::string& device, std::int64_t seq,
                          const DeviceResult& result) override {
    auto st = c_->prepare(
        "INSERT INTO device_results (device_id, seq, result, fingerprint) VALUES (?1, ?2, ?3, ?4)");
    st.bind(1, std::string_view(device)).bind(2, seq).bind(3, std::string_view(result.result_json));
    st.bind(4, std::string_view(result.fingerprint));
    st.run();
    known_[device].results[seq] = result;
    auto& high = unsaved_max_[device];
    high = std::max(high, seq);
  }

  std::int64_t device_max_seq(const std::string& device) override {
    auto st = c_->prepare("SELECT last_seq FROM devices WHERE device_id = ?1");
    st.bind(1, std::string_view(device));
    std::int64_t saved = st.step() ? st.int_at(0) : 0;
    auto it = unsaved_max_.find(device);
    return std::max(saved, it == unsaved_max_.end() ? 0 : it->second);
  }

  void set_author(const std::string& author) override {
    auto st = c_->prepare("UPDATE write_author SET author = ?1 WHERE id = 1");
    st.bind(1, std::string_view(author));
    st.run();
    author_set_ = true;
  }

  void commit() override {
    for (const auto& [device, seq] : unsaved_max_) {
      auto dev = c_->prepare(
          "INSERT INTO devices (device_id, last_seq, last_seen_at) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (device_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), "
          "last_seen_at = excluded.last_seen_at");
      dev.bind(1, std::string_view(device)).bind(2, seq).bind(3, utc_now_iso());
      dev.run();
    }
    // Cleared in the same transaction, so that no committed state ever names an author.
    if (author_set_) c_->exec("UPDATE write_author SET author = NULL WHERE id = 1");
    c_->exec("COMMIT");
    done_ = true;
  }

 private:
  std::map<std::string, KnownVerdicts> known_;       // device -> its verdicts read ahead
  std::map<std::string, std::int64_t> unsaved_max_;  // device -> highest seq saved here
  bool author_set_ = false;
  Turn turn_;  // given back after the connection is
  SqlitePool::Lease c_;
  bool done_ = false;
};

/// A read transaction, so that several statements see one snapshot.
class ReadTxn {
 public:
  explicit ReadTxn(SqliteConn& c) : c_(c) { c_.exec("BEGIN"); }
  ~ReadTxn() {
    try {
      c_.exec("COMMIT");
    } catch (...) {
    }
  }

 private:
  SqliteConn& c_;
};

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(const std::string& path, int pool_size, int busy_timeout_ms)
      : path_(path),
        pool_(path, pool_size, busy_timeout_ms, kConnectionSetup),
        writer_(path, 1, busy_timeout_ms, std::string(kConnectionSetup) + kWriterCache),
        busy_timeout_(busy_timeout_ms) {
    auto c = pool_.acquire();
    c->exec("PRAGMA journal_mode = WAL");
    auto read_version = [&c] {
      auto v = c->prepare("PRAGMA user_version");
      v.step();
      return v.int_at(0);
    };
    std::int64_t version = read_version();
    if (version > kSqliteSchemaVersion)
      throw std::runtime_error(path + " has schema version " + std::to_string(version) +
                               ", newer than this server understands (" +
                               std::to_string(kSqliteSchemaVersion) + "); upgrade the server");
    // Each step takes the schema from version N - 1 to N in one transaction; the version is read
    // again under the write lock, so two servers opening one file migrate it once.
    for (std::int64_t to = version + 1; to <= kSqliteSchemaVersion; ++to) {
      c->exec("BEGIN IMMEDIATE");
      try {
        if (read_version() < to) {
          c->exec(sqlite_migration_sql(static_cast<int>(to)));
          c->exec("PRAGMA user_version = " + std::to_string(to));
        }
        c->exec("COMMIT");
      } catch (...) {
        c->exec("ROLLBACK");
        throw;
      }
    }
  }

  std::string backend_name() const override { return "sqlite"; }

  // SQLite has one writer at a time. This process's writers take turns on a mutex first, so a
  // waiting writer wakes the moment the last one commits, rather than when SQLite's busy
  // handler next polls (it sleeps up to 100 ms a time, which made the push latency's tail).
  // Other processes on the same file still meet the busy timeout inside SQLite.
  std::unique_ptr<WriteTxn> begin_write() override {
    if (!write_turns_.take(busy_timeout_))
      throw StorageUnavailable("the database is busy: no write turn within " +
                               std::to_string(busy_timeout_.count()) + " ms");
    std::optional<SqlitePool::Lease> lease;
    try {
      lease.emplace(writer_.acquire());
    } catch (...) {
      write_turns_.give_back();  // no transaction took the turn
      throw;
    }
    // From here the transaction owns the turn, and gives it back even if BEGIN throws.
    return std::make_unique<SqliteWriteTxn>(write_turns_, std::move(*lease));
  }

  ChangeSlice changes(std::int64_t after, int limit, const std::vector<Entity>& entities) override {
    auto c = pool_.acquire();
    ReadTxn txn(*c);
    ChangeSlice out;
    {
      auto h = c->prepare("SELECT rev FROM rev_counter WHERE id = 1");
      h.step();
      out.head = h.int_at(0);
    }
    std::int64_t horizons[3] = {0, 0, 0};
    {
      auto m = c->prepare(
          "SELECT key, CAST(value AS INTEGER) FROM server_meta WHERE key IN "
          "('tombstone_horizon', 'restore_horizon', 'restored_head')");
      while (m.step()) {
        std::string_view key = m.view_at(0);
        horizons[key == "tombstone_horizon" ? 0 : key == "restore_horizon" ? 1 : 2] = m.int_at(1);
      }
    }
    check_cursor(after, out.head, horizons[0], horizons[1], horizons[2]);
    out.epoch = horizons[1];

    std::string filter;
    if (!entities.empty()) {
      filter = ",";
      for (Entity e : entities) filter += std::string(entity_name(e)) + ",";
    }
    auto st =
        c->prepare(filter.empty() ? "SELECT rev, entity, entity_id, deleted, data FROM change_log "
                                    "WHERE rev > ?1 ORDER BY rev LIMIT ?2"
                                  : "SELECT rev, entity, entity_id, deleted, data FROM change_log "
                                    "WHERE rev > ?1 AND instr(?3, ',' || entity || ',') > 0 "
                                    "ORDER BY rev LIMIT ?2");
    st.bind(1, after).bind(2, static_cast<std::int64_t>(limit) + 1);
    if (!filter.empty()) st.bind(3, std::string_view(filter));
    out.entries.reserve(static_cast<std::size_t>(limit));
    while (st.step()) {
      if (static_cast<int>(out.entries.size()) == limit) {
        out.has_more = true;
        break;
      }
      if (out.entries.empty())  // about a row's id and data each, once there is a row
        out.text.reserve(static_cast<std::size_t>(limit) * 384);
      out.add(parse_entity(st.view_at(1)).value_or(Entity::customers), st.int_at(0),
              st.int_at(3) != 0, st.view_at(2), st.is_null(4) ? "" : st.view_at(4));
    }
    return out;
  }

  std::optional<StoredRow> get(Entity e, const std::string& id) override {
    auto c = pool_.acquire();
    auto st = c->prepare(
        "SELECT rev, deleted, data FROM change_log WHERE entity = ?1 AND entity_id = ?2");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    if (!st.step()) return std::nullopt;
    return row_from(st, 0, 1, 2);
  }

  std::vector<StoredRow> list(Entity e, const std::string& after_id, int limit) override {
    auto c = pool_.acquire();
    auto st = c->prepare(
        "SELECT rev, deleted, data FROM change_log WHERE entity = ?1 AND entity_id > ?2 "
        "AND deleted = 0 ORDER BY entity_id LIMIT ?3");
    st.bind(1, entity_name(e)).bind(2, std::string_view(after_id)).bind(3, limit);
    std::vector<StoredRow> rows;
    while (st.step()) rows.push_back(row_from(st, 0, 1, 2));
    return rows;
  }

  std::int64_t scan_rows(Entity e, const RowVisitor& visit) override {
    auto c = pool_.acquire();
    ReadTxn txn(*c);
    std::int64_t head = 0;
    {
      auto h = c->prepare("SELECT rev FROM rev_counter WHERE id = 1");
      h.step();
      head = h.int_at(0);
    }
    // Two scans in id order, merged here: faster than an index seek into the change log per
    // row. (The change log's (entity, entity_id) index holds the rev too: it is the rowid.)
    std::string name(entity_name(e));
    std::string cols = column_list(e);
    auto rows = c->prepare("SELECT " + cols + " FROM " + name + " ORDER BY id");
    auto revs =
        c->prepare("SELECT entity_id, rev FROM change_log WHERE entity = ?1 ORDER BY entity_id");
    revs.bind(1, std::string_view(name));
    bool more_revs = revs.step();
    std::vector<std::optional<std::string_view>> values(fields_of(e).size());
    while (rows.step()) {
      std::string_view id = rows.view_at(0);
      while (more_revs && revs.view_at(0) < id) more_revs = revs.step();
      if (!more_revs || revs.view_at(0) != id) continue;  // not logged: never happens
      for (std::size_t i = 0; i < values.size(); ++i) {
        int col = static_cast<int>(i) + 1;
        values[i] = rows.is_null(col) ? std::nullopt : std::optional(rows.view_at(col));
      }
      visit(id, revs.int_at(1), values);
    }
    return head;
  }

  std::vector<Revision> history(Entity e, const std::string& id, std::int64_t before,
                                int limit) override {
    auto c = pool_.acquire();
    // The current revision is the change-log row; the ones before it are in record_history.
    auto st = c->prepare(
        "SELECT rev, changed_at, author, deleted, data FROM (SELECT rev, changed_at, author, "
        "deleted, data FROM record_history WHERE entity = ?1 AND entity_id = ?2 UNION ALL "
        "SELECT l.rev, l.changed_at, coalesce(l.author, 'sql'), l.deleted, l.data FROM change_log "
        "l WHERE l.entity = ?1 AND l.entity_id = ?2 AND NOT EXISTS (SELECT 1 FROM record_history "
        "h WHERE h.entity = ?1 AND h.entity_id = ?2 AND h.rev = l.rev)) "
        "WHERE (?3 = 0 OR rev < ?3) ORDER BY rev DESC LIMIT ?4");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id)).bind(3, before).bind(4, limit);
    std::vector<Revision> out;
    while (st.step()) {
      Revision r;
      r.rev = st.int_at(0);
      r.at_ms = st.int_at(1);
      r.by = st.text_at(2);
      r.deleted = st.int_at(3) != 0;
      r.data_json = r.deleted || st.is_null(4) ? "null" : st.text_at(4);
      out.push_back(std::move(r));
    }
    return out;
  }

  std::int64_t purge_history(std::int64_t older_than_unix_ms) override {
    auto c = pool_.acquire();
    auto st = c->prepare(
        "DELETE FROM record_history WHERE changed_at < ?1 AND NOT EXISTS (SELECT 1 FROM "
        "change_log l WHERE l.entity = record_history.entity AND "
        "l.entity_id = record_history.entity_id AND l.rev = record_history.rev)");
    st.bind(1, older_than_unix_ms);
    st.run();
    return c->changes();
  }

  PoolUse pool_use() override {
    auto [open, in_use] = pool_.use();
    return {pool_.size(), open, in_use, std::nullopt};
  }

  std::int64_t head_rev() override {
    auto c = pool_.acquire();
    auto st = c->prepare("SELECT rev FROM rev_counter WHERE id = 1");
    st.step();
    return st.int_at(0);
  }

  std::unique_ptr<HeadWatch> watch_head(std::function<void(std::int64_t)> moved,
                                        std::function<bool()> wanted) override {
    // data_version changes when another connection (of this pool, or of another process)
    // has committed since this connection last asked: then, and only then, read the head.
    auto conn = std::make_shared<SqliteConn>(path_, static_cast<int>(busy_timeout_.count()));
    auto last = std::make_shared<std::int64_t>(-1);
    auto probe = [conn, last]() -> std::optional<std::int64_t> {
      SqliteStmt version(conn->handle(), conn->cached("PRAGMA data_version"));
      version.step();
      std::int64_t v = version.int_at(0);
      if (v == *last) return std::nullopt;
      *last = v;
      SqliteStmt head(conn->handle(), conn->cached("SELECT rev FROM rev_counter WHERE id = 1"));
      head.step();
      return head.int_at(0);
    };
    return std::make_unique<PollingHeadWatch>(probe, std::move(moved), std::move(wanted),
                                              std::chrono::milliseconds(10));
  }

  std::int64_t count_rows(Entity e) override {
    auto c = pool_.acquire();
    auto st = c->prepare("SELECT count(*) FROM " + std::string(entity_name(e)));
    st.step();
    return st.int_at(0);
  }

  std::optional<KeyMatch> find_key(const std::string& key_hash) override {
    auto c = pool_.acquire();
    auto st = c->prepare("SELECT key_hash, role, label FROM api_keys WHERE key_hash = ?1");
    st.bind(1, std::string_view(key_hash));
    if (!st.step()) return std::nullopt;
    auto role = parse_role(st.view_at(1));
    if (!role) return std::nullopt;
    return KeyMatch{st.text_at(0), *role, st.is_null(2) ? "" : st.text_at(2)};
  }

  void add_key(const std::string& key_hash, Role role, const std::string& label) override {
    auto c = pool_.acquire();
    auto st = c->prepare(
        "INSERT INTO api_keys (key_hash, role, label, created_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (key_hash) DO UPDATE SET role = excluded.role");
    st.bind(1, std::string_view(key_hash))
        .bind(2, role_name(role))
        .bind(3, std::string_view(label));
    st.bind(4, utc_now_iso());
    st.run();
  }

  std::vector<ApiKeyInfo> list_keys() override {
    auto c = pool_.acquire();
    auto st = c->prepare("SELECT id, label, role, created_at FROM api_keys ORDER BY id");
    std::vector<ApiKeyInfo> keys;
    while (st.step())
      keys.push_back({st.int_at(0), st.text_at(1), parse_role(st.view_at(2)).value_or(Role::read),
                      st.text_at(3)});
    return keys;
  }

  std::int64_t purge_tombstones(std::int64_t older_than_unix_ms) override {
    auto c = pool_.acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      std::int64_t horizon = 0, count = 0;
      {
        auto st = c->prepare(
            "SELECT coalesce(max(rev), 0), count(*) FROM change_log "
            "WHERE deleted = 1 AND changed_at < ?1");
        st.bind(1, older_than_unix_ms);
        st.step();
        horizon = st.int_at(0);
        count = st.int_at(1);
      }
      if (count > 0) {
        // A tombstone is its record's last revision: it stays in the history.
        auto keep = c->prepare(
            "INSERT OR IGNORE INTO record_history (rev, entity, entity_id, deleted, data, "
            "changed_at, author) SELECT rev, entity, entity_id, deleted, data, changed_at, "
            "coalesce(author, 'sql') FROM change_log WHERE deleted = 1 AND changed_at < ?1");
        keep.bind(1, older_than_unix_ms);
        keep.run();
        auto del = c->prepare("DELETE FROM change_log WHERE deleted = 1 AND changed_at < ?1");
        del.bind(1, older_than_unix_ms);
        del.run();
        auto meta = c->prepare(
            "UPDATE server_meta SET value = CAST(max(CAST(value AS INTEGER), ?1) AS TEXT) "
            "WHERE key = 'tombstone_horizon'");
        meta.bind(1, horizon);
        meta.run();
      }
      c->exec("COMMIT");
      return count;
    } catch (...) {
      c->exec("ROLLBACK");
      throw;
    }
  }

  RestoreMark mark_restored(std::int64_t gap) override {
    auto c = pool_.acquire();
    c->exec("BEGIN IMMEDIATE");
    try {
      RestoreMark mark;
      {
        auto h = c->prepare("SELECT rev FROM rev_counter WHERE id = 1");
        h.step();
        mark.restored_head = h.int_at(0);
      }
      mark.horizon = mark.restored_head + gap;
      auto up = c->prepare("UPDATE rev_counter SET rev = ?1 WHERE id = 1");
      up.bind(1, mark.horizon);
      up.run();
      auto meta = c->prepare(
          "INSERT INTO server_meta (key, value) VALUES ('restore_horizon', ?1), "
          "('restored_head', ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
      meta.bind(1, std::to_string(mark.horizon)).bind(2, std::to_string(mark.restored_head));
      meta.run();
      c->exec("COMMIT");
      return mark;
    } catch (...) {
      c->exec("ROLLBACK");
      throw;
    }
  }

 private:
  std::string path_;
  // Per connection: a checkpoint (and its fsync) every 32 MiB of WAL rather than every 4, as
  // the client does.
  static inline const std::string kConnectionSetup =
      "PRAGMA wal_autocheckpoint = " + std::to_string(kWalAutocheckpointPages) + ";";
  // The writer's page cache: 32 MiB, as the client's (SQLite's default is 2 MiB). It fills as
  // the writer touches pages; only this one connection has it.
  static constexpr const char* kWriterCache = "PRAGMA cache_size = -32768;";

  SqlitePool pool_;
  // Writers take turns, so they share one connection: its page cache stays warm from one
  // write to the next, where a pooled connection's cache is stale after another one wrote.
  SqlitePool writer_;
  std::chrono::milliseconds busy_timeout_;
  WriteTurns write_turns_;
};

}  // namespace

std::unique_ptr<Storage> open_sqlite_storage(const std::string& path, int pool_size,
                                             int busy_timeout_ms) {
  return std::make_unique<SqliteStorage>(path, pool_size, busy_timeout_ms);
}

}  // namespace craftsync::server
