#include "core/record_validation.hpp"

#include <algorithm>

#include "core/uuid.hpp"

namespace craftsync {

void to_json(nlohmann::json& j, const FieldError& e) {
  j = {{"field", e.field}, {"code", e.code}, {"message", e.message}};
}

void from_json(const nlohmann::json& j, FieldError& e) {
  e.field = j.value("field", "");
  e.code = j.value("code", "");
  e.message = j.value("message", "");
}

std::optional<std::string> shape_error(Entity e, const nlohmann::json& data) {
  if (!data.is_object()) return "data must be a JSON object";
  for (const auto& [key, value] : data.items()) {
    if (key == "id") {
      if (!value.is_string()) return "field 'id' must be a string";
      continue;
    }
    if (!find_field(e, key))
      return "unknown field '" + key + "' for " + std::string(entity_name(e));
    if (!value.is_string() && !value.is_null())
      return "field '" + key + "' must be a string or null";
  }
  return std::nullopt;
}

bool is_valid_amount(std::string_view s) {
  // digits, '.', exactly two digits; no sign, no exponent; at most 13 integer digits.
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 13 || s.size() != dot + 3) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  return !(dot > 1 && s[0] == '0');
}

bool is_valid_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  if (s.size() < 20 || s.back() != 'Z') return false;
  const char* pattern = "dddd-dd-ddTdd:dd:dd";
  for (std::size_t i = 0; i < 19; ++i) {
    char p = pattern[i], c = s[i];
    if (p == 'd' ? (c < '0' || c > '9') : c != p) return false;
  }
  std::string_view rest = s.substr(19, s.size() - 20);
  if (rest.empty()) return true;
  if (rest[0] != '.' || rest.size() < 2) return false;
  return std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_valid_quote_status(std::string_view s) {
  return s == "draft" || s == "sent" || s == "accepted" || s == "declined";
}

std::vector<FieldError> value_errors(Entity e, const nlohmann::json& row) {
  std::vector<FieldError> errors;
  auto add = [&](const FieldSpec& f, const char* code, std::string message) {
    errors.push_back({std::string(f.name), code, std::move(message)});
  };
  for (const FieldSpec& f : fields_of(e)) {
    auto it = row.find(f.name);
    bool missing = it == row.end() || it->is_null() ||
                   (it->is_string() && it->get_ref<const std::string&>().empty());
    if (missing) {
      if (f.required) add(f, "required", std::string(f.name) + " is required");
      continue;
    }
    if (!it->is_string()) {
      add(f, "invalid_type", std::string(f.name) + " must be a string");
      continue;
    }
    const auto& v = it->get_ref<const std::string&>();
    if (v.size() > f.max_length) {
      add(f, "too_long",
          std::string(f.name) + " is longer than " + std::to_string(f.max_length) + " characters");
      continue;
    }
    switch (f.kind) {
      case FieldKind::email:
        if (v.find('@') == std::string::npos) add(f, "invalid_format", "email must contain '@'");
        break;
      case FieldKind::amount:
        if (!is_valid_amount(v))
          add(f, "invalid_format", "total_amount must be a decimal string like \"1250.00\"");
        break;
      case FieldKind::quote_status:
        if (!is_valid_quote_status(v))
          add(f, "invalid_value", "status must be one of draft, sent, accepted, declined");
        break;
      case FieldKind::reference:
        if (!is_valid_uuid(v)) add(f, "invalid_format", std::string(f.name) + " must be a UUID");
        break;
      case FieldKind::timestamp:
        if (!is_valid_timestamp(v))
          add(f, "invalid_format", std::string(f.name) + " must be ISO 8601 UTC");
        break;
      case FieldKind::text:
      case FieldKind::server_number:
        break;
    }
  }
  return errors;
}

}  // namespace craftsync
