#pragma once
// Validation of record data against the data model. Pure functions, any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

struct FieldError {
  std::string field;
  std::string code;  // required, too_long, invalid_format, invalid_value, fk_missing, server_owned,
                     // has_children
  std::string message;
};

void to_json(nlohmann::json& j, const FieldError& e);
void from_json(const nlohmann::json& j, FieldError& e);

/// Structural check of a record's `data`: an object whose keys are known fields (or "id")
/// and whose values are strings or null. Returns a one-line reason when it is not.
std::optional<std::string> shape_error(Entity e, const nlohmann::json& data);

/// Value checks of a complete row: required fields, formats, lengths. References are only
/// checked for UUID format here; their existence is the store's business.
std::vector<FieldError> value_errors(Entity e, const nlohmann::json& row);

bool is_valid_amount(std::string_view s);
bool is_valid_timestamp(std::string_view s);
bool is_valid_quote_status(std::string_view s);

}  // namespace craftsync
