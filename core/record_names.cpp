#include "core/record_names.hpp"

namespace craftsync {

std::string_view name_field(Entity e) {
  switch (e) {
    case Entity::customers:
      return "name";
    case Entity::quotes:
      return "quote_number";
    case Entity::orders:
      return "order_number";
  }
  return "id";
}

std::string singular_name(Entity e) {
  std::string s(entity_name(e));
  if (!s.empty() && s.back() == 's') s.pop_back();
  return s;
}

std::string record_name(Entity e, const nlohmann::json& row, std::string_view id) {
  if (row.is_object()) {
    auto it = row.find(name_field(e));
    if (it != row.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
      return it->get<std::string>();
    if (id.empty()) {
      auto rid = row.find("id");
      if (rid != row.end() && rid->is_string()) return rid->get<std::string>().substr(0, 8);
    }
  }
  return std::string(id.substr(0, 8));
}

std::string record_title(Entity e, std::string_view name) {
  return std::string(entity_name(e)) + ": " + std::string(name);
}

}  // namespace craftsync
