#include "core/entity_sql.hpp"

namespace craftsync {
namespace {

std::string param(char mark, int i) {
  return std::string(1, mark) + std::to_string(i);
}

std::string table(Entity e) {
  return std::string(entity_name(e));
}

}  // namespace

std::string column_list(Entity e, std::string_view prefix) {
  std::string cols = std::string(prefix) + "id";
  for (const FieldSpec& f : fields_of(e)) cols += ", " + std::string(prefix) + std::string(f.name);
  return cols;
}

std::string select_row_sql(Entity e, char mark) {
  return "SELECT " + column_list(e) + " FROM " + table(e) + " WHERE id = " + param(mark, 1);
}

std::string insert_row_sql(Entity e, char mark) {
  std::string marks = param(mark, 1);
  for (std::size_t i = 0; i < fields_of(e).size(); ++i)
    marks += ", " + param(mark, static_cast<int>(i) + 2);
  return "INSERT INTO " + table(e) + " (" + column_list(e) + ") VALUES (" + marks + ")";
}

std::string update_row_sql(Entity e, char mark) {
  std::string sets;
  int i = 2;
  for (const FieldSpec& f : fields_of(e)) {
    if (!sets.empty()) sets += ", ";
    sets += std::string(f.name) + " = " + param(mark, i++);
  }
  return "UPDATE " + table(e) + " SET " + sets + " WHERE id = " + param(mark, 1);
}

std::string upsert_row_sql(Entity e, char mark) {
  std::string sets;
  for (const FieldSpec& f : fields_of(e)) {
    if (!sets.empty()) sets += ", ";
    sets += std::string(f.name) + " = excluded." + std::string(f.name);
  }
  return insert_row_sql(e, mark) + " ON CONFLICT (id) DO UPDATE SET " + sets;
}

std::string delete_row_sql(Entity e, char mark) {
  return "DELETE FROM " + table(e) + " WHERE id = " + param(mark, 1);
}

std::string upsert_pulled_row_sql(Entity e) {
  std::string t = table(e), marks = "?1", sets;
  int n = static_cast<int>(fields_of(e).size());
  for (int i = 0; i < n; ++i) marks += ", " + param('?', i + 2);
  for (const FieldSpec& f : fields_of(e))
    sets += std::string(f.name) + " = excluded." + std::string(f.name) + ", ";
  std::string rev = kRowRevColumn;
  return "INSERT INTO " + t + " (" + column_list(e) + ", " + rev + ") VALUES (" + marks + ", " +
         param('?', n + 2) + ") ON CONFLICT (id) DO UPDATE SET " + sets + rev + " = excluded." +
         rev + " WHERE coalesce(" + t + "." + rev + ", 0) < excluded." + rev + " OR " +
         param('?', n + 3);
}

std::string delete_pulled_row_sql(Entity e) {
  return "DELETE FROM " + table(e) + " WHERE id = ?1 AND (coalesce(" + kRowRevColumn +
         ", 0) < ?2 OR ?3)";
}

std::string create_entity_tables_sql(const EntityTableOptions& options) {
  std::string sql;
  for (Entity e : kEntitiesInFkOrder) {
    sql += "CREATE TABLE " + table(e) + " (\n  id TEXT PRIMARY KEY NOT NULL";
    for (const FieldSpec& f : fields_of(e)) {
      std::string name(f.name);
      sql += ",\n  " + name + " TEXT";
      if (f.required) sql += " NOT NULL";
      if (f.kind == FieldKind::server_number && options.unique_numbers) sql += " UNIQUE";
      if (f.kind == FieldKind::reference && f.references)
        sql += " REFERENCES " + table(*f.references) + "(id)";
    }
    sql += options.without_rowid ? "\n) WITHOUT ROWID;\n" : "\n);\n";
    for (const ReferenceIndex& index : reference_indexes())
      if (index.entity == e) sql += index.create_sql + ";\n";
  }
  return sql;
}

std::vector<ReferenceIndex> reference_indexes(bool if_not_exists) {
  std::vector<ReferenceIndex> out;
  for (Entity e : kEntitiesInFkOrder) {
    for (const FieldSpec& f : fields_of(e)) {
      if (f.kind != FieldKind::reference || !f.references) continue;
      std::string name(f.name);
      std::string index = table(e) + "_" + name.substr(0, name.rfind("_id"));
      out.push_back({e, index,
                     std::string("CREATE INDEX ") + (if_not_exists ? "IF NOT EXISTS " : "") +
                         index + " ON " + table(e) + "(" + name + ")"});
    }
  }
  return out;
}

std::vector<ChildLink> children_of(Entity parent) {
  std::vector<ChildLink> links;
  for (Entity child : kEntitiesInFkOrder)
    for (const FieldSpec& f : fields_of(child))
      if (f.kind == FieldKind::reference && f.references == parent)
        links.push_back({child, f.name});
  return links;
}

std::string child_ids_sql(const ChildLink& link, char mark) {
  return "SELECT id FROM " + table(link.child) + " WHERE " + std::string(link.field) + " = " +
         param(mark, 1);
}

std::string has_children_sql(Entity parent, char mark) {
  std::string sql;
  for (const ChildLink& link : children_of(parent)) {
    sql += sql.empty() ? "SELECT 1 WHERE " : " OR ";
    sql += "EXISTS (SELECT 1 FROM " + table(link.child) + " WHERE " + std::string(link.field) +
           " = " + param(mark, 1) + ")";
  }
  return sql;
}

}  // namespace craftsync
