#include "core/record_store.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/entity_sql.hpp"
#include "core/number_text.hpp"
#include "core/record_names.hpp"
#include "core/record_validation.hpp"
#include "core/sqlite_db.hpp"
#include "core/uuid.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

std::string table(Entity e) {
  return std::string(entity_name(e));
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

// The referred table of each reference field is joined as r<i> (i: the field's index), so
// that a list can show, search and sort by the referred record's name.
std::string reference_joins(Entity e) {
  std::string joins;
  int i = 0;
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind == FieldKind::reference && f.references) {
      std::string r = "r" + std::to_string(i);
      joins += " LEFT JOIN " + table(*f.references) + " " + r + " ON " + r + ".id = t." +
               std::string(f.name);
    }
    ++i;
  }
  return joins;
}

// Text fields, reference ids and referred names: what a search matches.
std::string search_condition(Entity e) {
  std::vector<std::string> columns;
  int i = 0;
  for (const FieldSpec& f : fields_of(e)) {
    std::string name(f.name);
    switch (f.kind) {
      case FieldKind::text:
        if (f.max_length <= 200) columns.push_back("t." + name);  // not the long address
        break;
      case FieldKind::email:
      case FieldKind::amount:
      case FieldKind::quote_status:
      case FieldKind::server_number:
        columns.push_back("t." + name);
        break;
      case FieldKind::reference:
        columns.push_back("t." + name);
        if (f.references)
          columns.push_back("r" + std::to_string(i) + "." + std::string(name_field(*f.references)));
        break;
      case FieldKind::timestamp:
        break;
    }
    ++i;
  }
  std::string where = "(";
  for (std::size_t c = 0; c < columns.size(); ++c)
    where += (c ? " OR " : "") + columns[c] + " LIKE ?1 ESCAPE '\\'";
  return where + ")";
}

std::string list_where(Entity e, const ListQuery& q) {
  std::string where = " WHERE 1";
  if (!q.search.empty()) where += " AND " + search_condition(e);
  if (!q.state.empty()) where += " AND " + SyncState::list_state_condition(2);
  return where;
}

std::string list_from(Entity e) {
  return " FROM " + table(e) + " t" + SyncState::list_join(e) + reference_joins(e);
}

std::string order_by(Entity e, const ListQuery& q) {
  std::string dir = q.descending ? " DESC" : "";
  if (q.sort.empty()) return " ORDER BY t.id" + dir;
  std::string key;
  if (q.sort == kSortByState) {
    key = "coalesce(m.state, 'synced')";
  } else {
    int i = 0;
    for (const FieldSpec& f : fields_of(e)) {
      if (f.name == q.sort) {
        if (f.kind == FieldKind::reference && f.references)
          key = "r" + std::to_string(i) + "." + std::string(name_field(*f.references)) +
                " COLLATE NOCASE";
        else if (f.kind == FieldKind::amount)
          key = "CAST(t." + std::string(f.name) + " AS REAL)";
        else
          key = "t." + std::string(f.name) + " COLLATE NOCASE";
        break;
      }
      ++i;
    }
  }
  if (key.empty())
    throw UserError("cannot sort " + table(e) + " by '" + q.sort + "': not one of its fields");
  return " ORDER BY " + key + dir + ", t.id" + dir;
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

std::optional<json> RecordStore::read_row(Entity e, const std::string& id) {
  static const auto sql = per_entity_sql([](Entity x) { return select_row_sql(x, '?'); });
  auto st = db_.prepare(sql[static_cast<std::size_t>(e)]);
  st.bind(1, std::string_view(id));
  if (!st.step()) return std::nullopt;
  return row_from(e, st);
}

void RecordStore::write_row(Entity e, const std::string& id, const json& row) {
  static const auto sql = per_entity_sql([](Entity x) { return upsert_row_sql(x, '?'); });
  auto st = db_.prepare(sql[static_cast<std::size_t>(e)]);
  st.bind(1, std::string_view(id));
  int i = 2;
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
  auto st = db_.prepare(delete_row_sql(e, '?'));
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
  sync_.note_local_edit(e, id, std::nullopt, provisional);
  sync_.enqueue(e, id, Op::upsert, row);
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
  sync_.note_local_edit(e, id, before);
  sync_.enqueue(e, id, Op::upsert, row);
  txn.commit();
  return row;
}

std::vector<std::pair<Entity, std::int64_t>> RecordStore::dependents(Entity e,
                                                                     const std::string& id) {
  std::vector<std::pair<Entity, std::int64_t>> out;
  for (const ChildLink& link : children_of(e)) {
    auto st = db_.prepare("SELECT count(*) FROM (" + child_ids_sql(link, '?') + ")");
    st.bind(1, std::string_view(id));
    std::int64_t n = st.step() ? st.int_at(0) : 0;
    if (n > 0) out.emplace_back(link.child, n);
  }
  return out;
}

void RecordStore::remove(Entity e, const std::string& id) {
  SqliteTxn txn(db_);
  auto before = read_row(e, id);
  if (!before) throw UserError(std::string(entity_name(e)) + " " + id + " does not exist");
  if (auto deps = dependents(e, id); !deps.empty())
    throw UserError(std::string(entity_name(e)) + " " + id + " still has " + dependents_text(deps) +
                    "; delete those first");
  sync_.note_local_edit(e, id, before);  // first: a synced row carries the record's rev
  delete_row(e, id);
  sync_.enqueue(e, id, Op::remove, std::nullopt);
  txn.commit();
}

std::vector<json> RecordStore::list(Entity e, const ListQuery& q) {
  auto st = db_.prepare("SELECT " + column_list(e, "t.") + list_from(e) + list_where(e, q) +
                        order_by(e, q) + " LIMIT ?3 OFFSET ?4");
  bind_list(st, q);
  st.bind(3, std::max<std::int64_t>(q.limit, 0)).bind(4, std::max<std::int64_t>(q.offset, 0));
  std::vector<json> rows;
  while (st.step()) rows.push_back(row_from(e, st));
  return rows;
}

std::vector<ListedRow> RecordStore::browse(Entity e, const ListQuery& q) {
  std::string names;
  int i = 0;
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind == FieldKind::reference && f.references) {
      names += ", r" + std::to_string(i) + "." + std::string(name_field(*f.references));
    }
    ++i;
  }
  auto st = db_.prepare("SELECT " + column_list(e, "t.") +
                        ", coalesce(m.state, 'synced'), coalesce(m.provisional_number, 0)" + names +
                        list_from(e) + list_where(e, q) + order_by(e, q) + " LIMIT ?3 OFFSET ?4");
  bind_list(st, q);
  st.bind(3, std::max<std::int64_t>(q.limit, 0)).bind(4, std::max<std::int64_t>(q.offset, 0));
  const int after_fields = 1 + static_cast<int>(fields_of(e).size());
  std::vector<ListedRow> rows;
  while (st.step()) {
    ListedRow r;
    r.row = row_from(e, st);
    r.state = st.text_at(after_fields);
    r.provisional_number = st.int_at(after_fields + 1) != 0;
    int col = after_fields + 2;
    for (const FieldSpec& f : fields_of(e)) {
      bool ref = f.kind == FieldKind::reference && f.references;
      r.names.push_back(ref && !st.is_null(col) ? st.text_at(col) : "");
      if (ref) ++col;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::optional<std::string> RecordStore::name_of(Entity e, const std::string& id) {
  auto row = read_row(e, id);
  if (!row) return std::nullopt;
  return record_name(e, *row, id);
}

std::vector<RelatedRecord> RecordStore::references(Entity e, const json& row) {
  std::vector<RelatedRecord> out;
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind != FieldKind::reference || !f.references) continue;
    auto it = row.find(f.name);
    if (it == row.end() || !it->is_string()) continue;
    std::string id = it->get<std::string>();
    out.push_back(
        {*f.references, id, name_of(*f.references, id).value_or(""), std::string(f.name)});
  }
  return out;
}

std::vector<RelatedRecord> RecordStore::referred_by(Entity e, const std::string& id,
                                                    std::int64_t limit) {
  std::vector<RelatedRecord> out;
  for (const ChildLink& link : children_of(e)) {
    std::string child = table(link.child);
    auto st = db_.prepare("SELECT id, " + std::string(name_field(link.child)) + " FROM " + child +
                          " WHERE " + std::string(link.field) + " = ?1 ORDER BY id LIMIT ?2");
    st.bind(1, std::string_view(id)).bind(2, limit);
    while (st.step()) {
      std::string cid = st.text_at(0);
      json named = json::object();
      named[std::string(name_field(link.child))] =
          st.is_null(1) ? json(nullptr) : json(st.text_at(1));
      out.push_back(
          {link.child, cid, record_name(link.child, named, cid), std::string(link.field)});
    }
  }
  return out;
}

std::int64_t RecordStore::count(Entity e, const ListQuery& q) {
  auto st = db_.prepare("SELECT count(*)" + list_from(e) + list_where(e, q));
  bind_list(st, q);
  st.step();
  return st.int_at(0);
}

std::optional<RecordSync> RecordStore::sync_info(Entity e, const std::string& id) {
  return sync_.get(e, id);
}

std::vector<OutboxEntry> RecordStore::outbox_for(Entity e, const std::string& id) {
  return sync_.outbox_for(e, id);
}

}  // namespace craftsync
