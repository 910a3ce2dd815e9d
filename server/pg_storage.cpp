// The PostgreSQL backend: a pool of libpq connections, revs and the change log maintained by
// PL/pgSQL triggers, revs taken from a sequence so that writers of different records never
// wait for each other, and pulls that serve changes up to the commit horizon only
// (pg_horizon.hpp), so that they stay gap-free. A write transaction locks the rows it will
// judge before it reads them, in one order for every writer. Several servers may share one
// database: every piece of state lives in it.

#include "server/pg_storage.hpp"

#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

#include "core/clock.hpp"
#include "core/entity_sql.hpp"
#include "server/mutation_apply.hpp"
#include "server/pg_conn.hpp"
#include "server/pg_horizon.hpp"
#include "server/pg_listen.hpp"
#include "server/pg_notify.hpp"
#include "server/pg_schema.hpp"
#include "server/server_tables.hpp"

namespace craftsync::server {
namespace {

using nlohmann::json;

std::vector<PgParam> row_params(Entity e, const std::string& id, const json& row) {
  std::vector<PgParam> params;
  params.emplace_back(id);
  for (const FieldSpec& f : fields_of(e)) {
    auto it = row.find(f.name);
    if (it == row.end() || it->is_null())
      params.emplace_back(std::nullopt);
    else
      params.emplace_back(it->get_ref<const std::string&>());
  }
  return params;
}

StoredRow row_from(const PgResult& r, int row) {
  StoredRow s;
  s.rev = r.int_at(row, 0);
  s.deleted = r.bool_at(row, 1);
  s.data = s.deleted || r.is_null(row, 2) ? json(nullptr) : json::parse(r.text(row, 2));
  return s;
}

// The highest seq the server has seen from device d.device_id, as a bigint column: its
// highest recorded verdict (device_results keeps every one), or the `devices` row that servers
// before schema 10 kept up to date on PostgreSQL, whichever is higher. Rewriting that one row
// per device in every push made each push walk the row's chain of dead versions (HOT) that
// the device's earlier pushes left, and write another.
constexpr const char* kDeviceMaxSeq =
    "greatest(coalesce((SELECT max(seq) FROM device_results WHERE device_id = d.device_id), 0), "
    "coalesce((SELECT last_seq FROM devices WHERE device_id = d.device_id), 0))";

constexpr const char* kCurrentSql =
    "SELECT rev, deleted, data FROM change_log WHERE entity = $1 AND entity_id = $2";

using RecordKey = std::pair<Entity, std::string>;

// A write transaction's statements reach rows by key (arrays of ids, whatever their number),
// so one plan fits every call: generic plans, or PostgreSQL plans some of them anew on every
// EXECUTE. A generic plan is made once per connection, perhaps while a table is still small,
// and kept; so that it stays right as the tables grow, the planner may not pick a scan of a
// whole table or a hash or merge join where an index lookup per key exists. (Disabled paths
// cost so much in its eyes that JIT compilation would start for a one-row read: jit is off.)
constexpr const char* kPlannerSettings =
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), "
    "set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
    "set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true)";
// With them, in a transaction that PgChangeNotifier::quiet() tells to leave its NOTIFY to it.
constexpr const char* kQuiet = ", set_config('craftsync.quiet', 'on', true)";

/// One element of a text[] literal: quoted, with '"' and '\\' escaped; NULL unquoted.
void append_array_element(std::string& out, const std::optional<std::string>& item) {
  if (out.size() > 1) out += ',';
  if (!item) {
    out += "NULL";
    return;
  }
  out += '"';
  for (char ch : *item) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

/// "{a,b}" for a text[] parameter. The ids are UUIDs or the server's own names, never
/// quotes or commas, but each element is quoted anyway.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) append_array_element(out, item);
  return out + "}";
}

std::string text_array(const std::vector<std::optional<std::string>>& items) {
  std::string out = "{";
  for (const auto& item : items) append_array_element(out, item);
  return out + "}";
}

/// Inserts rows given as one text[] per column ($1 the ids, then the fields in fields_of()
/// order), in array order: one statement whatever the number of rows, so it is prepared once.
std::string insert_rows_sql(Entity e) {
  std::string arrays;
  for (std::size_t i = 0; i <= fields_of(e).size(); ++i)
    arrays += (i ? ", $" : "$") + std::to_string(i + 1) + "::text[]";
  return "INSERT INTO " + std::string(entity_name(e)) + " (" + column_list(e) +
         ") SELECT * FROM unnest(" + arrays + ")";
}

// A push batch costs two round trips (docs/operations.md): the first sends BEGIN, the planner
// settings with the author, the locks and one read of everything the batch will judge; the
// second sends the batch's writes, records the verdicts (which answers their new revs) and
// commits. Statements that travel together carry their values inlined as quoted literals:
// EXECUTEs of statements prepared once per connection (PgConn::execute_text), so that
// PostgreSQL does not parse and plan the same large statements for every batch.
class PgWriteTxn final : public WriteTxn {
 public:
  PgWriteTxn(PgPool& pool, PgPool::Lease lease, PgChangeNotifier& notifier)
      : pool_(pool), notifier_(notifier), quiet_(notifier.quiet()) {
    c_.emplace(std::move(lease));
    settings_queued_ = true;  // (they follow BEGIN)
    queue("BEGIN");           // sent with whatever this transaction sends first
    settings_queued_ = false;
  }
  ~PgWriteTxn() override {
    // (No connection: the reconnect in send_pending() failed.)
    if (c_ && sent_ && !done_ && !raw().broken()) {
      try {
        raw().exec("ROLLBACK");
      } catch (...) {
      }
    }
  }

  PgConn& conn() { return db(); }

  // Locks first, in one order for every writer: the device, then the batch's records and the
  // parents they refer to, table by table in FK order and by id within a table. Then one read
  // of their change-log rows, of which parents exist, and of the device's verdicts from
  // first_seq on. Reading after the locks matters: under READ COMMITTED each statement sees
  // what committed before it began, so the rows read are the ones this transaction now holds,
  // and no other writer can change them before it commits. (A concurrent create of the same
  // new id, with no row to lock, meets the unique key instead; that error is transient and the
  // resend judges against the winner.) Both statements travel in one round trip, after BEGIN.
  void prepare_batch(const std::string& device, const std::vector<RecordKey>& records,
                     const std::vector<RecordKey>& parents, std::int64_t first_seq) override {
    std::vector<std::string> ids[kEntitiesInFkOrder.size()];
    std::vector<std::string> log_entities, log_ids;
    for (const auto& [e, id] : records) {
      ids[static_cast<std::size_t>(e)].push_back(id);
      log_entities.emplace_back(entity_name(e));
      log_ids.push_back(id);
    }
    for (const auto& [e, id] : parents) ids[static_cast<std::size_t>(e)].push_back(id);
    std::string sql = "SELECT pg_advisory_xact_lock(hashtextextended('device:' || $1, 0))";
    std::vector<std::string> arrays;
    for (Entity e : kEntitiesInFkOrder) {
      arrays.push_back(text_array(ids[static_cast<std::size_t>(e)]));
      sql += ", (SELECT count(*) FROM (SELECT 1 FROM " + std::string(entity_name(e)) +
             " WHERE id = ANY($" + std::to_string(arrays.size() + 1) +
             "::text[]) ORDER BY id FOR UPDATE) l)";
    }
    std::vector<PgParam> params{device};
    for (const auto& a : arrays) params.emplace_back(a);
    queue(execute(sql, params));
    locked_devices_.insert(device);

    std::string log_e = text_array(log_entities), log_i = text_array(log_ids);
    std::string seq = std::to_string(first_seq);
    queue(execute(
        "SELECT 'log', l.entity, l.entity_id, l.rev, l.deleted, l.data FROM change_log l "
        "JOIN unnest($1::text[], $2::text[]) AS k(entity, entity_id) "
        "ON l.entity = k.entity AND l.entity_id = k.entity_id "
        "UNION ALL SELECT 'row', 'customers', id, 0, false, NULL FROM customers "
        "WHERE id = ANY($3::text[]) "
        "UNION ALL SELECT 'row', 'quotes', id, 0, false, NULL FROM quotes WHERE id = "
        "ANY($4::text[]) "
        "UNION ALL SELECT 'row', 'orders', id, 0, false, NULL FROM orders WHERE id = "
        "ANY($5::text[]) "
        "UNION ALL SELECT 'result', coalesce(fingerprint, ''), NULL, seq, false, result "
        "FROM device_results WHERE device_id = $6 AND seq >= $7::bigint "
        "UNION ALL SELECT 'device', '', NULL, " +
            std::string(kDeviceMaxSeq) + ", false, NULL FROM (SELECT $6::text AS device_id) d",
        {log_e, log_i, arrays[0], arrays[1], arrays[2], device, seq}));
    auto results = send_pending();
    const PgResult& r = results.back();

    for (const auto& [e, id] : records) current_[{e, id}] = std::nullopt;
    for (Entity e : kEntitiesInFkOrder)
      for (const auto& id : ids[static_cast<std::size_t>(e)]) exists_[{e, id}] = false;
    Known& known = known_[device];
    known.from = first_seq;
    known.last_seq = 0;
    for (int i = 0; i < r.rows(); ++i) {
      std::string_view tag = r.text(i, 0);
      if (tag == "result") {
        known.results.emplace(r.int_at(i, 3),
                              DeviceResult{std::string(r.text(i, 5)), std::string(r.text(i, 1))});
        continue;
      }
      if (tag == "device") {
        known.last_seq = r.int_at(i, 3);
        continue;
      }
      auto e = parse_entity(r.text(i, 1));
      if (!e) continue;
      RecordKey key{*e, std::string(r.text(i, 2))};
      if (tag == "row") {
        exists_[key] = true;
        continue;
      }
      StoredRow row;
      row.rev = r.int_at(i, 3);
      row.deleted = r.bool_at(i, 4);
      row.data = row.deleted || r.is_null(i, 5) ? json(nullptr) : json::parse(r.text(i, 5));
      current_[key] = std::move(row);
    }
  }

  std::optional<StoredRow> current(Entity e, const std::string& id) override {
    RecordKey key{e, id};
    if (auto it = current_.find(key); it != current_.end()) return it->second;
    // Not read ahead (an admin route, or a record this batch wrote): lock, then read.
    db().query("SELECT 1 FROM " + std::string(entity_name(e)) + " WHERE id = $1 FOR UPDATE", {id});
    auto r = db().query(kCurrentSql, {entity_name(e), id});
    std::optional<StoredRow> row;
    if (r.rows() > 0) row = row_from(r, 0);
    current_[key] = row;
    return row;
  }

  bool exists(Entity e, const std::string& id) override {
    RecordKey key{e, id};
    if (auto it = exists_.find(key); it != exists_.end()) return it->second;
    bool found =
        db().query("SELECT 1 FROM " + std::string(entity_name(e)) + " WHERE id = $1", {id}).rows() >
        0;
    exists_[key] = found;
    return found;
  }

  bool number_taken(Entity e, const std::string& number) override {
    auto field = number_field(e);
    return field && db().query("SELECT 1 FROM " + std::string(entity_name(e)) + " WHERE " +
                                   std::string(*field) + " = $1",
                               {number})
                            .rows() > 0;
  }

  bool has_children(Entity e, const std::string& id) override {
    std::string sql = has_children_sql(e, '$');
    return !sql.empty() && db().query(sql, {id}).rows() > 0;
  }

  // A write waits in `pending_` for the next statement that must be sent, and travels with it.
  // Whatever reads the database sends the waiting writes first (db()).
  // Creates of one table in a row become one INSERT of a text[] per column (insert_rows_sql):
  // a statement prepared once per connection, whatever the number of rows. Its row triggers
  // still log each record on its own.
  void insert(Entity e, const std::string& id, const json& row) override {
    if (!insert_columns_.empty() && inserts_entity_ != e) flush_inserts();
    inserts_entity_ = e;
    insert_columns_.resize(fields_of(e).size() + 1);
    std::size_t i = 0;
    for (const PgParam& p : row_params(e, id, row))
      insert_columns_[i++].push_back(p ? std::optional<std::string>(*p) : std::nullopt);
    wrote(e, id, true);
  }

  void update(Entity e, const std::string& id, const json& row) override {
    static const auto sql = per_entity_sql([](Entity x) { return update_row_sql(x, '$'); });
    queue(execute(sql[static_cast<std::size_t>(e)], row_params(e, id, row)));
    wrote(e, id, true);
  }

  void remove(Entity e, const std::string& id) override {
    static const auto sql = per_entity_sql([](Entity x) { return delete_row_sql(x, '$'); });
    queue(execute(sql[static_cast<std::size_t>(e)], {id}));
    wrote(e, id, false);
  }

  std::int64_t rev_of(Entity e, const std::string& id) override {
    queue(execute(kRevSql, {entity_name(e), id}));
    auto results = send_pending();
    const PgResult& r = results.back();
    return r.rows() > 0 ? r.int_at(0, 0) : 0;
  }

  std::int64_t next_number(Entity e) override {
    auto r = db().query(
        "INSERT INTO counters (name, value) VALUES ($1, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        {entity_name(e)});
    return r.int_at(0, 0);
  }

  // The counter and the check for a number used by hand, in one statement. The counter's row
  // stays locked until this transaction ends: creators of numbered records take turns there.
  std::string take_number(Entity e, const std::string& prefix) override {
    auto field = number_field(e);
    if (!field) return WriteTxn::take_number(e, prefix);
    const std::string sql =
        "WITH c AS (INSERT INTO counters (name, value) VALUES ($1, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value) "
        "SELECT c.value, EXISTS (SELECT 1 FROM " +
        std::string(entity_name(e)) + " WHERE " + std::string(*field) +
        " = $2 || lpad(c.value::text, greatest(6, length(c.value::text)), "
        "'0')) FROM c";
    for (;;) {  // with the writes that wait, in one round trip
      queue(execute(sql, {entity_name(e), prefix}));
      auto results = send_pending();
      const PgResult& r = results.back();
      if (!r.bool_at(0, 1)) return numbered(prefix, r.int_at(0, 0));
    }
  }

  // Device results are read for a batch at once and written at commit. That is safe because
  // the device's advisory lock, taken first (here, or in prepare_batch), keeps every other
  // server transaction for that device away meanwhile.
  std::optional<DeviceResult> device_result(const std::string& device, std::int64_t seq) override {
    Known& known = known_[device];
    if (known.covers(seq)) {
      const DeviceResult* found = known.find(seq);
      return found ? std::optional(*found) : std::nullopt;
    }
    lock_device(device);
    // This seq and every later one: a resent batch is answered by one query, and a new batch
    // learns from one query that none of its seqs was processed.
    auto r = db().query(
        "SELECT seq, result, coalesce(fingerprint, '') FROM device_results "
        "WHERE device_id = $1 AND seq >= $2",
        {device, std::to_string(seq)});
    for (int i = 0; i < r.rows(); ++i)
      known.results.emplace(r.int_at(i, 0),
                            DeviceResult{std::string(r.text(i, 1)), std::string(r.text(i, 2))});
    known.from = seq;
    const DeviceResult* found = known.find(seq);
    return found ? std::optional(*found) : std::nullopt;
  }

  void save_device_result(const std::string& device, std::int64_t seq,
                          const DeviceResult& result) override {
    known_[device].results[seq] = result;
    unsaved_.push_back({device, seq, result.result_json, std::nullopt, result.fingerprint, {}, {}});
    auto& high = unsaved_max_[device];
    high = std::max(high, seq);
  }

  std::int64_t device_max_seq(const std::string& device) override {
    Known& known = known_[device];
    if (!known.last_seq) {
      auto r = db().query(
          std::string("SELECT ") + kDeviceMaxSeq + " FROM (SELECT $1::text AS device_id) d",
          {device});
      known.last_seq = r.int_at(0, 0);
    }
    auto it = unsaved_max_.find(device);
    return std::max(*known.last_seq, it == unsaved_max_.end() ? 0 : it->second);
  }

  void set_author(const std::string& author) override {
    // For this transaction only; sent with the next statement, and with the planner's settings
    // when they are not on their way yet.
    if (settings_queued_) {
      queue(execute("SELECT set_config('craftsync.author', $1, true)", {author}));
      return;
    }
    settings_queued_ = true;
    queue(execute(settings_sql() + ", set_config('craftsync.author', $1, true)", {author}));
  }

  // The second round trip of a push: the writes, the verdicts (each pending rev filled in from
  // the change log by the statement that records it, which also answers those revs), then
  // COMMIT.
  void commit_push(const std::string& device, std::vector<NewVerdict>& verdicts) override {
    bool any_pending = false;
    for (NewVerdict& v : verdicts) {
      any_pending = any_pending || v.rev_pending;
      unsaved_.push_back(unsaved_verdict(device, v));
    }
    auto results = finish();
    if (!any_pending) return;
    std::map<RecordKey, std::int64_t> revs;
    const PgResult& r = results.at(results.size() - 2);  // the verdicts' statement, then COMMIT
    for (int i = 0; i < r.rows(); ++i)
      if (auto e = parse_entity(r.text(i, 0)))
        revs[{*e, std::string(r.text(i, 1))}] = r.int_at(i, 2);
    for (NewVerdict& v : verdicts) {
      if (!v.rev_pending) continue;
      auto it = revs.find({v.entity, v.id});
      v.result->rev = it == revs.end() ? 0 : it->second;
      v.rev_pending = false;
    }
  }

  void commit() override { finish(); }

 private:
  static constexpr const char* kRevSql =
      "SELECT rev FROM change_log WHERE entity = $1 AND entity_id = $2";

  /// Sends what waits, the verdicts to record and COMMIT, in one round trip; returns the
  /// results of every statement, in order.
  std::vector<PgResult> finish() {
    done_ = true;  // whatever COMMIT answers, the transaction is over
    if (!unsaved_.empty()) {
      // A pending rev is the record's rev in the change log now, after this transaction's
      // writes: the verdict's text gets it here, between its head and its tail, and the caller
      // reads the same value.
      std::vector<std::optional<std::string>> columns[7];
      for (UnsavedVerdict& u : unsaved_) {
        columns[0].emplace_back(std::move(u.device));
        columns[1].emplace_back(std::to_string(u.seq));
        columns[2].emplace_back(std::move(u.head));
        columns[3].emplace_back(std::move(u.tail));
        columns[4].emplace_back(std::move(u.fingerprint));
        columns[5].emplace_back(std::move(u.entity));
        columns[6].emplace_back(std::move(u.id));
      }
      unsaved_.clear();
      std::vector<std::string> arrays;  // PgParam is a view
      for (const auto& column : columns) arrays.push_back(text_array(column));
      std::vector<PgParam> params(arrays.begin(), arrays.end());
      queue(execute(
          "WITH r AS (SELECT u.*, CASE WHEN u.tail IS NOT NULL THEN coalesce((SELECT l.rev "
          "FROM change_log l WHERE l.entity = u.entity AND l.entity_id = u.entity_id), 0) END "
          "AS rev FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
          "$6::text[], $7::text[]) "
          "AS u(device_id, seq, head, tail, fingerprint, entity, entity_id)), "
          "saved AS (INSERT INTO device_results (device_id, seq, result, fingerprint) "
          "SELECT device_id, seq, CASE WHEN tail IS NULL THEN head ELSE head || rev || tail END, "
          "fingerprint FROM r) "
          "SELECT entity, entity_id, rev FROM r WHERE tail IS NOT NULL",
          params));
    }
    queue("COMMIT");
    std::vector<PgResult> results;
    try {
      results = send_pending();
    } catch (...) {
      // The connection may have dropped after the commit: a NOTIFY for nothing costs a read.
      if (wrote_ && quiet_) notifier_.changed();
      throw;
    }
    if (wrote_ && quiet_) notifier_.changed();
    // COMMIT of a transaction that an earlier error aborted "succeeds" as a ROLLBACK.
    if (results.empty() || results.back().command_tag() != "COMMIT")
      throw std::runtime_error("PostgreSQL rolled the transaction back instead of committing it");
    return results;
  }

  void flush_inserts() {
    if (insert_columns_.empty()) return;
    static const auto sql = per_entity_sql(insert_rows_sql);
    std::vector<std::string> arrays;
    for (const auto& column : insert_columns_) arrays.push_back(text_array(column));
    insert_columns_.clear();
    std::vector<PgParam> params(arrays.begin(), arrays.end());
    queue_settings();
    pending_ += execute(sql[static_cast<std::size_t>(inserts_entity_)], params);
    pending_ += ";\n";
    ++pending_count_;
  }

  void queue(std::string statement) {
    flush_inserts();  // statements keep their order
    queue_settings();
    pending_ += statement;
    pending_ += ";\n";
    ++pending_count_;
  }

  std::string settings_sql() const {
    return quiet_ ? std::string(kPlannerSettings) + kQuiet : std::string(kPlannerSettings);
  }

  /// kPlannerSettings, first after BEGIN, when set_author() has not sent them.
  void queue_settings() {
    if (settings_queued_) return;
    settings_queued_ = true;
    pending_ += execute(settings_sql(), {});
    pending_ += ";\n";
    ++pending_count_;
  }

  /// Sends every waiting statement in one round trip. The first send of a transaction on a
  /// connection that sat idle in the pool may find it dead (the database restarted, or an
  /// admin terminated it); nothing has reached the database then, so it is sent again, once,
  /// on a fresh connection.
  std::vector<PgResult> send_pending() {
    flush_inserts();
    queue_settings();
    std::string sql = std::move(pending_);
    pending_.clear();
    pending_count_ = 0;
    if (sent_) return raw().exec_all(sql);
    sent_ = true;
    try {
      return raw().exec_all(sql);
    } catch (const PgConnectionLost&) {
      if (!c_->reused()) throw;
      reconnect();
      return raw().exec_all(sql);
    }
  }

  /// The connection sat idle in the pool and died (the database restarted, or an admin
  /// terminated it), and nothing of this transaction has reached the database: a fresh one
  /// takes over, with the statements the old one had prepared under the same names, since the
  /// waiting text may name them.
  void reconnect() {
    auto statements = raw().prepared();
    c_.reset();
    pool_.drop_idle();
    c_.emplace(pool_.acquire());
    if (!raw().prepared().empty())  // not a fresh one: its names may mean other statements
      throw StorageUnavailable("the database connection was lost; send again");
    raw().adopt_prepared(statements);
  }

  /// A statement that travels with others, prepared once per connection (PgConn::execute_text).
  /// Preparing is a round trip of its own, the first time; on a pooled connection that died
  /// while idle it happens on a fresh one, as send_pending() does.
  std::string execute(const std::string& sql, const std::vector<PgParam>& params) {
    int count = static_cast<int>(params.size());
    if (!raw().prepared().count(sql)) {
      if (sent_ || !c_->reused()) {
        raw().prepare(sql, count);
      } else {
        try {
          raw().prepare(sql, count);
        } catch (const PgConnectionLost&) {
          reconnect();
          raw().prepare(sql, count);
        }
      }
    }
    return raw().execute_text(sql, params);
  }

  /// The connection, once the waiting statements are sent.
  PgConn& db() {
    flush_inserts();
    if (pending_count_ > 0) send_pending();
    return raw();
  }

  PgConn& raw() { return **c_; }

  void lock_device(const std::string& device) {
    if (!locked_devices_.insert(device).second) return;
    db().query("SELECT pg_advisory_xact_lock(hashtextextended('device:' || $1, 0))", {device});
  }

  /// After a write the change log holds a new rev this cache does not know: read it again.
  void wrote(Entity e, const std::string& id, bool exists) {
    wrote_ = true;
    current_.erase({e, id});
    exists_[{e, id}] = exists;
  }

  // A verdict to record at commit. With a rev still pending, its text is head + rev + tail.
  struct UnsavedVerdict {
    std::string device;
    std::int64_t seq = 0;
    std::string head;
    std::optional<std::string> tail;
    std::string fingerprint, entity, id;
  };

  static UnsavedVerdict unsaved_verdict(const std::string& device, NewVerdict& v) {
    UnsavedVerdict u{device,       v.result->seq, {},
                     std::nullopt, v.fingerprint, std::string(entity_name(v.entity)),
                     v.id};
    if (!v.rev_pending) {
      u.head = stored_verdict_json(*v.result);
      return u;
    }
    // The text with a stand-in rev no verdict holds, cut around it.
    constexpr std::int64_t kStandIn = -9000000000000000001;
    auto rev = v.result->rev;
    v.result->rev = kStandIn;
    std::string text = stored_verdict_json(*v.result);
    v.result->rev = rev;
    // As a key and its value: inside a JSON string every quote is escaped, so this cannot
    // match there.
    const std::string key = "\"rev\":", mark = key + std::to_string(kStandIn);
    std::size_t at = text.find(mark);
    if (at == std::string::npos) throw std::logic_error("a verdict's text lost its rev");
    u.head = text.substr(0, at + key.size());
    u.tail = text.substr(at + mark.size());
    return u;
  }

  struct Known : KnownVerdicts {
    std::optional<std::int64_t> last_seq;  // devices.last_seq, once read
  };

  PgPool& pool_;
  PgChangeNotifier& notifier_;
  bool quiet_;  // craftsync.quiet: its NOTIFY is the notifier's (server/pg_notify.hpp)
  std::optional<PgPool::Lease> c_;
  bool sent_ = false;             // something of this transaction has reached the database
  bool settings_queued_ = false;  // kPlannerSettings, after BEGIN and before all else
  bool done_ = false;
  bool wrote_ = false;                   // a record: the change log has news once this commits
  std::map<std::string, Known> known_;   // device -> what this transaction knows of it
  std::vector<UnsavedVerdict> unsaved_;  // verdicts to record at commit
  std::map<std::string, std::int64_t> unsaved_max_;  // device -> highest seq in unsaved_
  std::set<std::string> locked_devices_;
  std::string pending_;  // statements not sent yet, with their values inlined
  std::size_t pending_count_ = 0;
  // Creates not in pending_ yet, all of inserts_entity_: each column's values, ids first.
  std::vector<std::vector<std::optional<std::string>>> insert_columns_;
  Entity inserts_entity_ = Entity::customers;
  std::map<RecordKey, std::optional<StoredRow>> current_;  // locked and read in this transaction
  std::map<RecordKey, bool> exists_;                       // entity rows known to exist or not
};

/// A server_meta value as a bigint column (0 when the key is absent).
std::string meta_value(const char* key) {
  return std::string("coalesce((SELECT value::bigint FROM server_meta WHERE key = '") + key +
         "'), 0)";
}

std::string entity_array(const std::vector<Entity>& entities) {
  std::string out = "{";
  for (Entity e : entities) {
    if (out.size() > 1) out += ",";
    out += entity_name(e);
  }
  return out + "}";
}

class PgStorage final : public Storage {
 public:
  PgStorage(const std::string& url, int pool_size, int busy_timeout_ms)
      : url_(url), pool_(url, pool_size, busy_timeout_ms), notifier_(url) {
    auto c = pool_.acquire();
    migrate_pg_schema(*c);
  }

  std::string backend_name() const override { return "postgresql"; }

  std::unique_ptr<WriteTxn> begin_write() override {
    // Nothing is sent yet: BEGIN travels with the transaction's first statements.
    return std::make_unique<PgWriteTxn>(pool_, pool_.acquire(), notifier_);
  }

  ChangeSlice changes(std::int64_t after, int limit, const std::vector<Entity>& entities) override {
    // Two statements in one round trip (one implicit transaction): the horizon, which it also
    // leaves in a setting local to that transaction, then the rows up to it with the meta. The
    // second statement takes its snapshot after the first has ended, as the proof needs.
    static const std::string kHorizon =
        "SELECT newest, safe, set_config('craftsync.safe', safe::text, true) "
        "FROM craftsync_horizon()";
    static const std::string kHead =
        "SELECT " + meta_value("tombstone_horizon") + ", " + meta_value("restore_horizon") + ", " +
        meta_value("restored_head") +
        ", c.rev, c.entity, c.entity_id, c.deleted, c.data FROM (SELECT 1) one LEFT JOIN LATERAL "
        "(SELECT rev, entity, entity_id, deleted, data FROM change_log WHERE rev > $1 "
        "AND rev <= current_setting('craftsync.safe')::bigint";
    static const std::string kAll = kHead + " ORDER BY rev LIMIT $2) c ON true ORDER BY c.rev";
    static const std::string kFiltered =
        kHead + " AND entity = ANY($3::text[]) ORDER BY rev LIMIT $2) c ON true ORDER BY c.rev";
    std::string after_text = std::to_string(after), limit_text = std::to_string(limit + 1);
    std::string filter = entity_array(entities);
    return pool_.run([&](PgPool::Lease& c) {
      const std::string& rows_sql = entities.empty() ? kAll : kFiltered;
      std::vector<PgParam> params{after_text, limit_text};
      if (!entities.empty()) params.emplace_back(filter);
      c->prepare(kHorizon, 0);
      c->prepare(rows_sql, static_cast<int>(params.size()));
      // A horizon read earlier (by any pull of this instance) is still safe: every rev up to
      // it had ended before that read did, so before this statement begins. A cursor below it
      // is not ahead either. So a pull well behind the horizon skips reading it, page after
      // page, as long as the page is not its last; the last one reads it afresh, so that
      // has_more does not stop a pull short of what committed since.
      CommitHorizon known = known_horizon();
      if (after < known.safe) {
        std::string safe = std::to_string(known.safe);
        auto results = c->exec_all(raw_set_safe(*c, safe) + c->execute_text(rows_sql, params));
        const PgResult& r = results.back();
        if (!r.is_null(0, 3) && r.rows() > limit) return slice_from(r, after, limit, known);
      }
      auto results =
          c->exec_all(c->execute_text(kHorizon, {}) + ";\n" + c->execute_text(rows_sql, params));
      CommitHorizon h{results.at(0).int_at(0, 0), results.at(0).int_at(0, 1)};
      remember_horizon(h);
      return slice_from(results.at(1), after, limit, h);
    });
  }

  /// The page of changes() from its rows statement's result, read under horizon h.
  static ChangeSlice slice_from(const PgResult& r, std::int64_t after, int limit, CommitHorizon h) {
    ChangeSlice out;
    out.head = h.safe;
    // A cursor is "ahead" only past every rev handed out: a horizon read a moment later
    // (by another instance) may be ahead of this one.
    check_cursor(after, h.newest, r.int_at(0, 0), r.int_at(0, 1), r.int_at(0, 2));
    out.epoch = r.int_at(0, 1);
    int n = r.is_null(0, 3) ? 0 : r.rows();
    out.has_more = n > limit;
    n = std::min(n, limit);
    out.entries.reserve(static_cast<std::size_t>(n));
    out.text.reserve(static_cast<std::size_t>(n) * 384);  // about a row's id and data
    for (int i = 0; i < n; ++i) {
      out.add(parse_entity(r.text(i, 4)).value_or(Entity::customers), r.int_at(i, 3),
              r.bool_at(i, 6), r.text(i, 5), r.is_null(i, 7) ? "" : r.text(i, 7));
    }
    return out;
  }

  /// "SELECT set_config(...)" of a known horizon, for the rows statement after it.
  static std::string raw_set_safe(PgConn& c, const std::string& safe) {
    static const std::string kSetSafe = "SELECT set_config('craftsync.safe', $1, true)";
    c.prepare(kSetSafe, 1);
    return c.execute_text(kSetSafe, {safe}) + ";\n";
  }

  CommitHorizon known_horizon() {
    std::lock_guard lock(horizon_mu_);
    return horizon_;
  }

  void remember_horizon(CommitHorizon h) {
    std::lock_guard lock(horizon_mu_);
    if (h.safe > horizon_.safe) horizon_ = h;
  }

  std::optional<StoredRow> get(Entity e, const std::string& id) override {
    return pool_.run([&](PgPool::Lease& c) -> std::optional<StoredRow> {
      auto r = c->query(kCurrentSql, {entity_name(e), id});
      if (r.rows() == 0) return std::nullopt;
      return row_from(r, 0);
    });
  }

  std::vector<StoredRow> list(Entity e, const std::string& after_id, int limit) override {
    return pool_.run([&](PgPool::Lease& c) {
      auto r = c->query(
          "SELECT rev, deleted, data FROM change_log WHERE entity = $1 AND entity_id > $2 "
          "AND NOT deleted ORDER BY entity_id LIMIT $3",
          {entity_name(e), after_id, std::to_string(limit)});
      std::vector<StoredRow> rows;
      rows.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) rows.push_back(row_from(r, i));
      return rows;
    });
  }

  std::int64_t scan_rows(Entity e, const RowVisitor& visit) override {
    // The horizon first, then one statement for the rows. A row above the horizon may show;
    // verify treats a rev past its cursor as news for the next pull.
    std::string sql = scan_rows_sql(e, '$');
    return pool_.run([&](PgPool::Lease& c) {
      std::int64_t head = read_commit_horizon(*c).safe;
      auto r = c->query(sql, {entity_name(e)});
      std::vector<std::optional<std::string_view>> values(fields_of(e).size());
      for (int row = 0; row < r.rows(); ++row) {
        for (std::size_t i = 0; i < values.size(); ++i) {
          int col = static_cast<int>(i) + 2;
          values[i] = r.is_null(row, col) ? std::nullopt : std::optional(r.text(row, col));
        }
        visit(r.text(row, 0), r.int_at(row, 1), values);
      }
      return head;
    });
  }

  std::vector<Revision> history(Entity e, const std::string& id, std::int64_t before,
                                int limit) override {
    return pool_.run([&](PgPool::Lease& c) {
      // The current revision is the change-log row; the ones before it are in record_history.
      auto r = c->query(
          "SELECT rev, changed_at, author, deleted, data FROM (SELECT rev, changed_at, author, "
          "deleted, data FROM record_history WHERE entity = $1 AND entity_id = $2 UNION ALL "
          "SELECT l.rev, l.changed_at, coalesce(l.author, 'sql'), l.deleted, l.data FROM "
          "change_log l WHERE l.entity = $1 AND l.entity_id = $2 AND NOT EXISTS (SELECT 1 FROM "
          "record_history h WHERE h.entity = $1 AND h.entity_id = $2 AND h.rev = l.rev)) v "
          "WHERE ($3::bigint = 0 OR rev < $3::bigint) ORDER BY rev DESC LIMIT $4",
          {entity_name(e), id, std::to_string(before), std::to_string(limit)});
      std::vector<Revision> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) {
        Revision rev;
        rev.rev = r.int_at(i, 0);
        rev.at_ms = r.int_at(i, 1);
        rev.by = std::string(r.text(i, 2));
        rev.deleted = r.bool_at(i, 3);
        rev.data_json = rev.deleted || r.is_null(i, 4) ? "null" : std::string(r.text(i, 4));
        out.push_back(std::move(rev));
      }
      return out;
    });
  }

  std::int64_t purge_history(std::int64_t older_than_unix_ms) override {
    return pool_.run([&](PgPool::Lease& c) {
      auto r = c->query(
          "WITH gone AS (DELETE FROM record_history h WHERE changed_at < $1 AND NOT EXISTS "
          "(SELECT 1 FROM change_log l WHERE l.entity = h.entity AND l.entity_id = h.entity_id "
          "AND l.rev = h.rev) RETURNING 1) SELECT count(*) FROM gone",
          {std::to_string(older_than_unix_ms)});
      return r.int_at(0, 0);
    });
  }

  PoolUse pool_use() override {
    auto [open, in_use] = pool_.use();
    return {pool_.size(), open, in_use, pool_.round_trips()};
  }

  std::int64_t head_rev() override {
    return pool_.run([](PgPool::Lease& c) { return read_commit_horizon(*c).safe; });
  }

  // A commit here is visible at once, but the horizon may not cover it yet (another writer
  // may hold a lower rev): the listener reports the horizon once it does.
  std::int64_t head_after_write(std::int64_t) override { return 0; }

  std::unique_ptr<HeadWatch> watch_head(std::function<void(std::int64_t)> moved,
                                        std::function<bool()> wanted) override {
    return std::make_unique<PgHeadListener>(url_, std::move(moved), std::move(wanted));
  }

  std::int64_t count_rows(Entity e) override {
    return pool_.run([&](PgPool::Lease& c) {
      return c->query("SELECT count(*) FROM " + std::string(entity_name(e))).int_at(0, 0);
    });
  }

  std::optional<KeyMatch> find_key(const std::string& key_hash) override {
    return pool_.run([&](PgPool::Lease& c) -> std::optional<KeyMatch> {
      auto r =
          c->query("SELECT key_hash, role, label FROM api_keys WHERE key_hash = $1", {key_hash});
      if (r.rows() == 0) return std::nullopt;
      auto role = parse_role(r.text(0, 1));
      if (!role) return std::nullopt;
      return KeyMatch{std::string(r.text(0, 0)), *role,
                      r.is_null(0, 2) ? "" : std::string(r.text(0, 2))};
    });
  }

  void add_key(const std::string& key_hash, Role role, const std::string& label) override {
    // An idempotent upsert, so running it again after a lost connection is harmless.
    pool_.run([&](PgPool::Lease& c) {
      c->query(
          "INSERT INTO api_keys (key_hash, role, label, created_at) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (key_hash) DO UPDATE SET role = excluded.role",
          {key_hash, role_name(role), label, utc_now_iso()});
    });
  }

  std::vector<ApiKeyInfo> list_keys() override {
    return pool_.run([](PgPool::Lease& c) {
      auto r = c->query("SELECT id, label, role, created_at FROM api_keys ORDER BY id");
      std::vector<ApiKeyInfo> keys;
      for (int i = 0; i < r.rows(); ++i)
        keys.push_back({r.int_at(i, 0), std::string(r.text(i, 1)),
                        parse_role(r.text(i, 2)).value_or(Role::read), std::string(r.text(i, 3))});
      return keys;
    });
  }

  std::int64_t purge_tombstones(std::int64_t older_than_unix_ms) override {
    // One transaction: the tombstones go and the horizon moves past them together. No writer
    // waits for it; a record re-created meanwhile is no tombstone any more and stays.
    auto txn = begin_write();
    PgConn& c = static_cast<PgWriteTxn&>(*txn).conn();
    // A tombstone is its record's last revision: it stays in the history.
    auto found = c.query(
        "WITH gone AS (DELETE FROM change_log WHERE deleted AND changed_at < $1 RETURNING *), "
        "kept AS (INSERT INTO record_history (entity, entity_id, rev, changed_at, author, "
        "deleted, data) SELECT entity, entity_id, rev, changed_at, coalesce(author, 'sql'), "
        "deleted, data FROM gone ON CONFLICT DO NOTHING) "
        "SELECT coalesce(max(rev), 0), count(*) FROM gone",
        {std::to_string(older_than_unix_ms)});
    std::int64_t horizon = found.int_at(0, 0), count = found.int_at(0, 1);
    if (count > 0)
      c.query(
          "UPDATE server_meta SET value = greatest(value::bigint, $1::bigint)::text "
          "WHERE key = 'tombstone_horizon'",
          {std::to_string(horizon)});
    txn->commit();
    return count;
  }

  RestoreMark mark_restored(std::int64_t gap) override {
    // Run on a restored database before any server serves it: every rev handed out from now
    // on lies past the horizon, and clients whose cursors are below it re-snapshot.
    auto txn = begin_write();
    PgConn& c = static_cast<PgWriteTxn&>(*txn).conn();
    RestoreMark mark;
    mark.restored_head = c.query(
                              "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
                              "FROM craftsync_rev_seq")
                             .int_at(0, 0);
    mark.horizon = mark.restored_head + gap;
    c.query("SELECT setval('craftsync_rev_seq', $1::bigint)", {std::to_string(mark.horizon)});
    c.query(
        "INSERT INTO server_meta (key, value) VALUES ('restore_horizon', $1), "
        "('restored_head', $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {std::to_string(mark.horizon), std::to_string(mark.restored_head)});
    txn->commit();
    return mark;
  }

 private:
  std::string url_;
  PgPool pool_;
  PgChangeNotifier notifier_;  // NOTIFYs after the commits of begin_write()
  std::mutex horizon_mu_;
  CommitHorizon horizon_;  // the highest horizon a pull of this instance has read
};

}  // namespace

std::unique_ptr<Storage> open_pg_storage(const std::string& url, int pool_size,
                                         int busy_timeout_ms) {
  return std::make_unique<PgStorage>(url, pool_size, busy_timeout_ms);
}

}  // namespace craftsync::server
