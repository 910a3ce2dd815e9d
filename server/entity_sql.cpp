#include "server/entity_sql.hpp"

namespace craftsync::server {

std::string insert_row_sql(Entity e, char mark) {
  std::string cols = "id", marks = std::string(1, mark) + "1";
  int i = 2;
  for (const FieldSpec& f : fields_of(e)) {
    cols += ", " + std::string(f.name);
    marks += ", " + std::string(1, mark) + std::to_string(i++);
  }
  return "INSERT INTO " + std::string(entity_name(e)) + " (" + cols + ") VALUES (" + marks + ")";
}

std::string update_row_sql(Entity e, char mark) {
  std::string sets;
  int i = 2;
  for (const FieldSpec& f : fields_of(e)) {
    if (!sets.empty()) sets += ", ";
    sets += std::string(f.name) + " = " + std::string(1, mark) + std::to_string(i++);
  }
  return "UPDATE " + std::string(entity_name(e)) + " SET " + sets +
         " WHERE id = " + std::string(1, mark) + "1";
}

}  // namespace craftsync::server
