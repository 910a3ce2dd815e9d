#include "core/entity.hpp"

#include "core/number_text.hpp"

namespace craftsync {
namespace {

constexpr std::size_t kShort = 200;
constexpr std::size_t kLong = 1000;
constexpr std::size_t kId = 36;

constexpr FieldSpec kCustomerFields[] = {
    {"name", FieldKind::text, true, std::nullopt, kShort},
    {"email", FieldKind::email, false, std::nullopt, kShort},
    {"phone", FieldKind::text, false, std::nullopt, 50},
    {"address", FieldKind::text, false, std::nullopt, kLong},
    {"city", FieldKind::text, false, std::nullopt, kShort},
    {"state", FieldKind::text, false, std::nullopt, kShort},
    {"zip", FieldKind::text, false, std::nullopt, 20},
    {"created_at", FieldKind::timestamp, false, std::nullopt, 40},
    {"updated_at", FieldKind::timestamp, false, std::nullopt, 40},
};

constexpr FieldSpec kQuoteFields[] = {
    {"quote_number", FieldKind::server_number, false, std::nullopt, 40},
    {"customer_id", FieldKind::reference, true, Entity::customers, kId},
    {"total_amount", FieldKind::amount, true, std::nullopt, 20},
    {"status", FieldKind::quote_status, true, std::nullopt, 10},
    {"created_at", FieldKind::timestamp, false, std::nullopt, 40},
    {"updated_at", FieldKind::timestamp, false, std::nullopt, 40},
};

constexpr FieldSpec kOrderFields[] = {
    {"order_number", FieldKind::server_number, false, std::nullopt, 40},
    {"quote_id", FieldKind::reference, true, Entity::quotes, kId},
    {"customer_id", FieldKind::reference, true, Entity::customers, kId},
    {"created_at", FieldKind::timestamp, false, std::nullopt, 40},
    {"updated_at", FieldKind::timestamp, false, std::nullopt, 40},
};

}  // namespace

std::string_view entity_name(Entity e) {
  switch (e) {
    case Entity::customers:
      return "customers";
    case Entity::quotes:
      return "quotes";
    case Entity::orders:
      return "orders";
  }
  return "unknown";
}

std::optional<Entity> parse_entity(std::string_view name) {
  for (Entity e : kEntitiesInFkOrder)
    if (entity_name(e) == name) return e;
  return std::nullopt;
}

std::span<const FieldSpec> fields_of(Entity e) {
  switch (e) {
    case Entity::customers:
      return kCustomerFields;
    case Entity::quotes:
      return kQuoteFields;
    case Entity::orders:
      return kOrderFields;
  }
  return {};
}

std::string entity_list(std::span<const Entity> entities, std::string_view all) {
  if (!all.empty() && (entities.empty() || entities.size() == kEntitiesInFkOrder.size()))
    return std::string(all);
  std::string s;
  for (Entity e : entities) s += (s.empty() ? "" : ",") + std::string(entity_name(e));
  return s;
}

const FieldSpec* find_field(Entity e, std::string_view name) {
  for (const FieldSpec& f : fields_of(e))
    if (f.name == name) return &f;
  return nullptr;
}

std::optional<std::string_view> number_field(Entity e) {
  if (e == Entity::quotes) return "quote_number";
  if (e == Entity::orders) return "order_number";
  return std::nullopt;
}

std::string_view number_prefix(Entity e) {
  return e == Entity::orders ? "O" : "Q";
}

std::string dependents_text(const std::vector<std::pair<Entity, std::int64_t>>& deps) {
  std::string out;
  for (std::size_t i = 0; i < deps.size(); ++i) {
    std::string plural(entity_name(deps[i].first));
    std::string singular = plural.substr(0, plural.size() - 1);
    out += (i == 0                 ? ""
            : i + 1 == deps.size() ? " and "
                                   : ", ") +
           counted(deps[i].second, singular, plural);
  }
  return out;
}

}  // namespace craftsync
