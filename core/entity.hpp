#pragma once
// The data model shared by client and server: entities and their fields.
// Everything here is immutable and safe to use from any thread.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace craftsync {

enum class Entity { customers, quotes, orders };

/// All entities in foreign-key order: parents before children.
inline constexpr std::array<Entity, 3> kEntitiesInFkOrder = {Entity::customers, Entity::quotes,
                                                             Entity::orders};

std::string_view entity_name(Entity e);

/// Records counted by entity, as people say it: "2 quotes and 1 order", "1 order".
std::string dependents_text(const std::vector<std::pair<Entity, std::int64_t>>& deps);
std::optional<Entity> parse_entity(std::string_view name);
/// Entity names joined with commas ("customers,quotes"), as the protocol's `entities` takes.
/// "all" when the list is empty or names every entity, unless `all` is empty.
std::string entity_list(std::span<const Entity> entities, std::string_view all = "all");

enum class FieldKind {
  text,           // free text
  email,          // free text containing '@' when not empty
  amount,         // exact decimal string with two fractional digits, e.g. "1250.00"
  quote_status,   // draft | sent | accepted | declined
  reference,      // UUID of a row in `references`
  timestamp,      // ISO 8601 UTC, display only
  server_number,  // assigned by the server (quote_number, order_number)
};

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;  // must be present and non-empty on create
  std::optional<Entity> references;
  std::size_t max_length;
};

/// The data-model columns of an entity, without `id`, in schema order.
std::span<const FieldSpec> fields_of(Entity e);
const FieldSpec* find_field(Entity e, std::string_view name);

/// The server-assigned number field of an entity, if it has one.
std::optional<std::string_view> number_field(Entity e);
/// The prefix of that number: "Q" for quotes, "O" for orders.
std::string_view number_prefix(Entity e);

}  // namespace craftsync
