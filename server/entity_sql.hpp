#pragma once
// SQL text for writing entity rows, shared by the backends. `mark` is the placeholder prefix:
// "?" for SQLite (?1, ?2, ...) and "$" for PostgreSQL ($1, $2, ...). Parameter 1 is the id,
// then the entity's fields in fields_of() order. Pure functions, any thread.

#include <string>

#include "core/entity.hpp"

namespace craftsync::server {

std::string insert_row_sql(Entity e, char mark);
std::string update_row_sql(Entity e, char mark);

}  // namespace craftsync::server
