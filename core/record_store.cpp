#include "core/record_store.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/record_validation.hpp"
#include "core/sqlite_db.hpp"
#include "core/uuid.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

std::string table(Entity e) {
  return std::string(entity_name(e));
}

std::string column_list(Entity e) {
  std::string cols = "id";
  for (const FieldSpec& f : fields_of(e)) cols += ", " + std::string(f.name);
  return cols;
}

json row_from(Entity e, SqliteStmt& st, int first_col = 0) {
  json row = json::object();
  row["id"] = st.text_at(first_col);
  int i = first_col + 1;
  for (const FieldSpec& f : fields_of(e)) {
    row[std::string(f.name)] = st.is_null(i) ? json(nullptr) : json(st.text_at(i));
    ++i;
  }
  return row;
}

const char* search_columns(Entity e) {
  switch (e) {
    case Entity::customers:
      return "(t.name LIKE ?1 ESCAPE '\\' OR t.email LIKE ?1 ESCAPE '\\' OR t.city LIKE ?1 ESCAPE "
             "'\\' OR t.phone LIKE ?1 ESCAPE '\\')";
    case Entity::quotes:
      return "(t.quote_number LIKE ?1 ESCAPE '\\' OR t.status LIKE ?1 ESCAPE '\\' OR "
             "t.total_amount LIKE ?1 ESCAPE '\\' OR "
             "t.customer_id LIKE ?1 ESCAPE '\\')";
    case Entity::orders:
      return "(t.order_number LIKE ?1 ESCAPE '\\' OR t.quote_id LIKE ?1 ESCAPE '\\' OR "
             "t.customer_id LIKE ?1 ESCAPE '\\')";
  }
  return "1";
}

std::string list_where(Entity e, const ListQuery& q) {
  std::string where = " WHERE 1";
  if (!q.search.empty()) where += std::string(" AND ") + search_columns(e);
  if (!q.state.empty()) where += " AND coalesce(m.state, 'synced') = ?2";
  return where;
}

std::string list_from(Entity e) {
  return " FROM " + table(e) + " t LEFT JOIN sync_metadata m ON m.entity_type = '" + table(e) +
         "' AND m.entity_id = t.id";
}

void bind_list(SqliteStmt& st, const ListQuery& q) {
  if (!q.search.empty()) {
    // The search is text, not a pattern: % and _ match themselves.
    std::string text;
    for (char c : q.search) {
      if (c == '%' || c == '_' || c == '\\') text += '\\';
      text += c;
    }
    st.bind(1, "%" + text + "%");
  }
  if (!q.state.empty()) st.bind(2, std::string_view(q.state));
}

}  // namespace

std::string RecordStore::device_id() {
  {
    auto st = db_.prepare("SELECT value FROM device WHERE key = 'device_id'");
    if (st.step()) return st.text_at(0);
  }
  std::string id = new_uuid_v7();
  auto ins = db_.prepare("INSERT OR IGNORE INTO device (key, value) VALUES ('device_id', ?1)");
  ins.bind(1, std::string_view(id));
  ins.run();
  auto st = db_.prepare("SELECT value FROM device WHERE key = 'device_id'");
  st.step();
  return st.text_at(0);
}

std::string RecordStore::take_new_device_id(const std::string& reason) {
  std::string previous = device_id();
  std::string id = new_uuid_v7();
  std::string now = utc_now_iso();
  auto st = db_.prepare(
      "INSERT INTO device (key, value) VALUES ('device_id', ?1), ('forked_from', ?2), "
      "('forked_at', ?3), ('fork_reason', ?4), ('fork_count', '1') ON CONFLICT (key) DO UPDATE "
      "SET value = CASE WHEN key = 'fork_count' THEN CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
      "ELSE excluded.value END");
  st.bind(1, std::string_view(id)).bind(2, std::string_view(previous));
  st.bind(3, std::string_view(now)).bind(4, std::string_view(reason));
  st.run();
  return id;
}

ForkInfo RecordStore::fork_info() {
  ForkInfo f;
  auto st = db_.prepare(
      "SELECT key, value FROM device WHERE key IN ('forked_from', 'forked_at', 'fork_reason', "
      "'fork_count')");
  while (st.step()) {
    std::string_view k = st.view_at(0);
    if (k == "forked_from") f.previous_device_id = st.text_at(1);
    if (k == "forked_at") f.at = st.text_at(1);
    if (k == "fork_reason") f.reason = st.text_at(1);
    if (k == "fork_count") f.count = std::stoll(st.text_at(1));
  }
  return f;
}

std::int64_t RecordStore::next_seq() {
  auto st = db_.prepare(
      "INSERT INTO device (key, value) VALUES ('next_seq', '1') ON CONFLICT (key) DO UPDATE "
      "SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) RETURNING CAST(value AS INTEGER)");
  st.step();
  return st.int_at(0);
}

std::optional<json> RecordStore::read_row(Entity e, const std::string& id) {
  auto st = db_.prepare("SELECT " + column_list(e) + " FROM " + table(e) + " WHERE id = ?1");
  st.bind(1, std::string_view(id));
  if (!st.step()) return std::nullopt;
  return row_from(e, st);
}

void RecordStore::write_row(Entity e, const std::string& id, const json& row) {
  std::string cols = column_list(e), marks = "?1", sets;
  int i = 2;
  for (const FieldSpec& f : fields_of(e)) {
    marks += ", ?" + std::to_string(i++);
    if (!sets.empty()) sets += ", ";
    sets += std::string(f.name) + " = excluded." + std::string(f.name);
  }
  auto st = db_.prepare("INSERT INTO " + table(e) + " (" + cols + ") VALUES (" + marks +
                        ") ON CONFLICT (id) DO UPDATE SET " + sets);
  st.bind(1, std::string_view(id));
  i = 2;
  for (const FieldSpec& f : fields_of(e)) {
    auto it = row.find(f.name);
    if (it == row.end() || !it->is_string())
      st.bind_null(i);
    else
      st.bind(i, std::string_view(it->get_ref<const std::string&>()));
    ++i;
  }
  st.run();
}

void RecordStore::delete_row(Entity e, const std::string& id) {
  auto st = db_.prepare("DELETE FROM " + table(e) + " WHERE id = ?1");
  st.bind(1, std::string_view(id));
  st.run();
}

void RecordStore::check_references(Entity e, const json& row) {
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind != FieldKind::reference || !f.references) continue;
    auto it = row.find(f.name);
    if (it == row.end() || !it->is_string()) continue;
    if (!read_row(*f.references, it->get<std::string>()))
      throw UserError(std::string(f.name) + ": " + std::string(entity_name(*f.references)) + " " +
                      it->get<std::string>() + " does not exist");
  }
}

void RecordStore::bump_version(Entity e, const std::string& id, const std::optional<json>& before) {
  // The first local edit of a synced record remembers the agreed state as the merge base.
  auto st = db_.prepare(
      "INSERT INTO sync_metadata (entity_type, entity_id, local_version, state, base) "
      "VALUES (?1, ?2, 1, 'pending', NULL) ON CONFLICT (entity_id, entity_type) DO UPDATE SET "
      "local_version = local_version + 1, "
      "base = CASE WHEN base IS NULL AND remote_version IS NOT NULL THEN ?3 ELSE base END, "
      "state = CASE WHEN state = 'conflict' THEN 'conflict' ELSE 'pending' END, "
      "errors = CASE WHEN state = 'conflict' THEN errors ELSE NULL END");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  if (before)
    st.bind(3, before->dump());
  else
    st.bind_null(3);
  st.run();
}

void RecordStore::set_state(Entity e, const std::string& id, const std::string& state,
                            const json& errors) {
  auto st = db_.prepare(
      "UPDATE sync_metadata SET state = ?3, errors = ?4 WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id)).bind(3, std::string_view(state));
  if (errors.is_null())
    st.bind_null(4);
  else
    st.bind(4, errors.dump());
  st.run();
}

void RecordStore::enqueue(Entity e, const std::string& id, Op op, const std::optional<json>& row) {
  std::optional<std::int64_t> queued_seq;
  bool inflight = false;
  {
    auto st = db_.prepare(
        "SELECT seq, state FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 ORDER BY seq");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    while (st.step()) {
      if (st.view_at(1) == "queued")
        queued_seq = st.int_at(0);
      else
        inflight = true;
    }
  }
  std::optional<std::int64_t> remote;
  {
    auto st = db_.prepare(
        "SELECT remote_version FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    if (st.step() && !st.is_null(0)) remote = st.int_at(0);
  }
  if (op == Op::remove && !remote && !inflight) {
    // Never reached the server: forget it entirely.
    auto del = db_.prepare("DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2");
    del.bind(1, entity_name(e)).bind(2, std::string_view(id));
    del.run();
    auto meta = db_.prepare("DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
    meta.bind(1, entity_name(e)).bind(2, std::string_view(id));
    meta.run();
    return;
  }
  const char* op_name = op == Op::upsert ? "upsert" : "delete";
  if (queued_seq) {
    auto up = db_.prepare("UPDATE outbox SET op = ?2, data = ?3 WHERE seq = ?1");
    up.bind(1, *queued_seq).bind(2, op_name);
    if (row)
      up.bind(3, row->dump());
    else
      up.bind_null(3);
    up.run();
    return;
  }
  auto ins = db_.prepare(
      "INSERT INTO outbox (seq, entity_type, entity_id, op, base_rev, data, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  ins.bind(1, next_seq()).bind(2, entity_name(e)).bind(3, std::string_view(id)).bind(4, op_name);
  if (remote)
    ins.bind(5, *remote);
  else
    ins.bind_null(5);
  if (row)
    ins.bind(6, row->dump());
  else
    ins.bind_null(6);
  ins.bind(7, utc_now_iso());
  ins.run();
}

json RecordStore::create(Entity e, json fields) {
  if (auto err = shape_error(e, fields)) throw UserError(*err);
  std::string id = fields.contains("id") ? fields["id"].get<std::string>() : new_uuid_v7();
  if (!is_valid_uuid(id)) throw UserError("id must be a UUID");
  if (auto number = number_field(e);
      number && fields.contains(*number) && !fields[*number].is_null())
    throw UserError(std::string(*number) + " is assigned by the server and cannot be set");
  json row = json::object();
  row["id"] = id;
  for (const FieldSpec& f : fields_of(e))
    row[std::string(f.name)] = fields.contains(f.name) ? fields[f.name] : json(nullptr);
  std::string now = utc_now_iso();
  if (row["created_at"].is_null()) row["created_at"] = now;
  if (row["updated_at"].is_null()) row["updated_at"] = now;
  auto errors = value_errors(e, row);
  if (!errors.empty()) throw UserError(errors.front().message);

  SqliteTxn txn(db_);
  if (read_row(e, id)) throw UserError(std::string(entity_name(e)) + " " + id + " already exists");
  check_references(e, row);
  bool provisional = false;
  if (auto number = number_field(e)) {
    row[std::string(*number)] = provisional_number(e, id);
    provisional = true;
  }
  write_row(e, id, row);
  bump_version(e, id, std::nullopt);
  if (provisional) {
    auto st = db_.prepare(
        "UPDATE sync_metadata SET provisional_number = 1 WHERE entity_type = ?1 AND entity_id = "
        "?2");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    st.run();
  }
  enqueue(e, id, Op::upsert, row);
  txn.commit();
  return row;
}

json RecordStore::update(Entity e, const std::string& id, const json& patch) {
  if (auto err = shape_error(e, patch)) throw UserError(*err);
  if (patch.contains("id") && patch["id"] != id) throw UserError("id cannot be changed");
  SqliteTxn txn(db_);
  auto before = read_row(e, id);
  if (!before) throw UserError(std::string(entity_name(e)) + " " + id + " does not exist");
  if (auto number = number_field(e);
      number && patch.contains(*number) && patch[*number] != (*before)[*number])
    throw UserError(std::string(*number) + " is assigned by the server and cannot be set");
  json row = *before;
  for (const auto& [k, v] : patch.items())
    if (k != "id") row[k] = v;
  if (!patch.contains("updated_at")) row["updated_at"] = utc_now_iso();
  auto errors = value_errors(e, row);
  if (!errors.empty()) throw UserError(errors.front().message);
  check_references(e, row);
  write_row(e, id, row);
  bump_version(e, id, before);
  enqueue(e, id, Op::upsert, row);
  txn.commit();
  return row;
}

void RecordStore::remove(Entity e, const std::string& id) {
  SqliteTxn txn(db_);
  auto before = read_row(e, id);
  if (!before) throw UserError(std::string(entity_name(e)) + " " + id + " does not exist");
  const char* children = e == Entity::customers
                             ? "SELECT 1 FROM quotes WHERE customer_id = ?1 UNION ALL SELECT 1 "
                               "FROM orders WHERE customer_id = ?1"
                         : e == Entity::quotes ? "SELECT 1 FROM orders WHERE quote_id = ?1"
                                               : nullptr;
  if (children) {
    auto st = db_.prepare(children);
    st.bind(1, std::string_view(id));
    if (st.step())
      throw UserError(std::string(entity_name(e)) + " " + id +
                      " still has quotes or orders; delete those first");
  }
  delete_row(e, id);
  bump_version(e, id, before);
  enqueue(e, id, Op::remove, std::nullopt);
  txn.commit();
}

std::vector<json> RecordStore::list(Entity e, const ListQuery& q) {
  auto st = db_.prepare("SELECT t.id" +
                        [&] {
                          std::string cols;
                          for (const FieldSpec& f : fields_of(e))
                            cols += ", t." + std::string(f.name);
                          return cols;
                        }() +
                        list_from(e) + list_where(e, q) + " ORDER BY t.id LIMIT ?3 OFFSET ?4");
  bind_list(st, q);
  st.bind(3, std::max<std::int64_t>(q.limit, 0)).bind(4, std::max<std::int64_t>(q.offset, 0));
  std::vector<json> rows;
  while (st.step()) rows.push_back(row_from(e, st));
  return rows;
}

std::int64_t RecordStore::count(Entity e, const ListQuery& q) {
  auto st = db_.prepare("SELECT count(*)" + list_from(e) + list_where(e, q));
  bind_list(st, q);
  st.step();
  return st.int_at(0);
}

std::optional<RecordSync> RecordStore::sync_info(Entity e, const std::string& id) {
  auto st = db_.prepare(
      "SELECT state, local_version, remote_version, last_synced_at, provisional_number, errors, "
      "base "
      "FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
  st.bind(1, entity_name(e)).bind(2, std::string_view(id));
  if (!st.step()) return std::nullopt;
  RecordSync s;
  s.state = st.text_at(0);
  s.local_version = st.int_at(1);
  if (!st.is_null(2)) s.remote_version = st.int_at(2);
  s.last_synced_at = st.text_at(3);
  s.provisional_number = st.int_at(4) != 0;
  if (!st.is_null(5)) s.errors = json::parse(st.view_at(5));
  if (!st.is_null(6)) s.base = json::parse(st.view_at(6));
  return s;
}

std::vector<OutboxEntry> select_outbox(SqliteConn& db, const std::string& where,
                                       std::int64_t limit) {
  auto st = db.prepare(
      "SELECT seq, entity_type, entity_id, op, base_rev, data, state, attempts, "
      "coalesce(device_id, '') FROM outbox WHERE " +
      where + " ORDER BY seq LIMIT " + std::to_string(limit));
  std::vector<OutboxEntry> out;
  while (st.step()) {
    OutboxEntry o;
    o.seq = st.int_at(0);
    o.entity = parse_entity(st.view_at(1)).value_or(Entity::customers);
    o.id = st.text_at(2);
    o.op = st.view_at(3) == "delete" ? Op::remove : Op::upsert;
    if (!st.is_null(4)) o.base_rev = st.int_at(4);
    o.data = st.is_null(5) ? json(nullptr) : json::parse(st.view_at(5));
    o.state = st.text_at(6);
    o.attempts = st.int_at(7);
    o.device_id = st.text_at(8);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<OutboxEntry> RecordStore::outbox_for(Entity e, const std::string& id) {
  if (!is_valid_uuid(id)) return {};  // the id goes into SQL text below
  return select_outbox(
      db_, "entity_type = '" + std::string(entity_name(e)) + "' AND entity_id = '" + id + "'",
      1000000);
}

}  // namespace craftsync
