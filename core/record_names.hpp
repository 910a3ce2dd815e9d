#pragma once
// What a person calls a record: a customer by name, a quote or an order by its number. The
// console names records this way in tables, headings, notices and confirmations, and keeps the
// id for a tooltip or the clipboard.
//
// Threading: pure functions, any thread.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

/// The field that names a record: customers.name, quotes.quote_number, orders.order_number.
std::string_view name_field(Entity e);
/// "customer", "quote", "order".
std::string singular_name(Entity e);
/// The record's name from its row ("Nora Taylor", "Q-000123"); the id's first 8 characters
/// when the row has no name (or is null), and "" when there is neither.
std::string record_name(Entity e, const nlohmann::json& row, std::string_view id = "");
/// "customers: Nora Taylor".
std::string record_title(Entity e, std::string_view name);

}  // namespace craftsync
