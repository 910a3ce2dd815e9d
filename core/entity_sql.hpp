#pragma once
// SQL text for entity rows, built from the data model (fields_of, FieldSpec::references), for
// the client's local database, the server's SQLite and PostgreSQL backends, and the bench.
// `mark` is the placeholder prefix: '?' for SQLite (?1, ?2, ...) and '$' for PostgreSQL
// ($1, $2, ...). Row statements take the id as parameter 1, then the entity's fields in
// fields_of() order; the rest take the id alone.
//
// Threading: pure functions, any thread.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/entity.hpp"

namespace craftsync {

/// "id, name, email, ..." (with `prefix`, e.g. "t.": "t.id, t.name, ...").
std::string column_list(Entity e, std::string_view prefix = "");

/// One statement's text for each entity, built once, for paths that run it row after row.
/// Index the array with static_cast<std::size_t>(entity).
template <typename Build>
std::array<std::string, kEntitiesInFkOrder.size()> per_entity_sql(Build build) {
  std::array<std::string, kEntitiesInFkOrder.size()> out;
  for (Entity e : kEntitiesInFkOrder) out[static_cast<std::size_t>(e)] = build(e);
  return out;
}

std::string select_row_sql(Entity e, char mark);
std::string insert_row_sql(Entity e, char mark);
std::string update_row_sql(Entity e, char mark);
/// Insert, or overwrite every field of the row with that id.
std::string upsert_row_sql(Entity e, char mark);
std::string delete_row_sql(Entity e, char mark);

/// The local entity tables' sync column: the server's rev of the row as pulled. It is the
/// record's rev only while the record has no bookkeeping row (see core/sync_state.hpp).
inline constexpr const char* kRowRevColumn = "_rev";
/// A pulled row with its rev (?N+2, N fields): inserted, or overwriting the row when it has no
/// newer rev or when ?N+3 (force) is 1. Nothing changes otherwise.
std::string upsert_pulled_row_sql(Entity e);
/// Deletes a pulled tombstone's row (?1 id) when its rev is older than ?2, or when ?3 (force).
std::string delete_pulled_row_sql(Entity e);

/// A reference from a child entity's field to its parent: quotes.customer_id -> customers.
struct ChildLink {
  Entity child;
  std::string_view field;
};
/// Every field of any entity that refers to `parent`, in foreign-key order.
std::vector<ChildLink> children_of(Entity parent);

/// How a database keeps entity tables: WITHOUT ROWID (SQLite), UNIQUE server numbers (the
/// server, which assigns them).
struct EntityTableOptions {
  bool without_rowid = false;
  bool unique_numbers = false;
};
/// CREATE TABLE for every entity in foreign-key order, from the data model: text columns, NOT
/// NULL for required fields, REFERENCES and an index (`<table>_<parent>`) for each reference.
/// The same text works on SQLite and PostgreSQL.
std::string create_entity_tables_sql(const EntityTableOptions& options);

/// One of those reference indexes: its name and its CREATE INDEX text (with IF NOT EXISTS when
/// asked, for a database that may already have it).
struct ReferenceIndex {
  Entity entity;  // the table it indexes
  std::string name;
  std::string create_sql;
};
/// Every reference index of every entity table, in foreign-key order.
std::vector<ReferenceIndex> reference_indexes(bool if_not_exists = false);

/// "SELECT id FROM <child> WHERE <field> = <mark>1": the child rows that refer to an id.
std::string child_ids_sql(const ChildLink& link, char mark);
/// A query that returns a row when any record refers to the id; empty when no entity can.
std::string has_children_sql(Entity parent, char mark);

}  // namespace craftsync
