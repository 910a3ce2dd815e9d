#include "core/conflict_types.hpp"

#include "core/record_names.hpp"

namespace craftsync {

using nlohmann::json;

json to_json(const std::vector<RecordRef>& refs) {
  json out = json::array();
  for (const auto& r : refs) out.push_back({{"entity", entity_name(r.entity)}, {"id", r.id}});
  return out;
}

std::vector<RecordRef> refs_from_json(const json& j) {
  std::vector<RecordRef> out;
  if (!j.is_array()) return out;
  for (const auto& x : j) {
    if (!x.is_object() || !x.contains("entity") || !x.contains("id")) continue;
    auto e = parse_entity(x["entity"].get<std::string>());
    if (e) out.push_back({*e, x["id"].get<std::string>()});
  }
  return out;
}

std::string_view side_name(Side s) {
  return s == Side::local ? "local" : "remote";
}

Outcome Outcome::of(const Resolution& r) {
  if (r.keep) return {*r.keep == Side::local ? Kind::local : Kind::remote, {}, {}};
  return {Kind::fields, r.fields, {}};
}

Outcome Outcome::parse(std::string_view text) {
  constexpr std::string_view kFields = "fields:", kDiscarded = "discarded: ";
  if (text.empty()) return {};
  if (text == "local") return {Kind::local, {}, {}};
  if (text == "remote") return {Kind::remote, {}, {}};
  if (text == "auto_local") return {Kind::auto_local, {}, {}};
  if (text == "auto_remote") return {Kind::auto_remote, {}, {}};
  if (text.starts_with(kFields)) {
    Outcome o{Kind::fields, {}, {}};
    json picks = json::parse(text.substr(kFields.size()), nullptr, false);
    if (picks.is_object())
      for (const auto& [f, side] : picks.items())
        o.fields[f] = side == "local" ? Side::local : Side::remote;
    return o;
  }
  if (text.starts_with(kDiscarded)) return discarded(std::string(text.substr(kDiscarded.size())));
  return discarded(std::string(text));
}

std::string Outcome::text() const {
  switch (kind) {
    case Kind::open:
      return "";
    case Kind::local:
      return "local";
    case Kind::remote:
      return "remote";
    case Kind::auto_local:
      return "auto_local";
    case Kind::auto_remote:
      return "auto_remote";
    case Kind::discarded:
      return "discarded: " + why;
    case Kind::fields: {
      json picks = json::object();
      for (const auto& [f, side] : fields) picks[f] = side_name(side);
      return "fields:" + picks.dump();
    }
  }
  return "";
}

std::optional<Side> Outcome::kept(const std::string& field) const {
  switch (kind) {
    case Kind::local:
    case Kind::auto_local:
      return Side::local;
    case Kind::remote:
    case Kind::auto_remote:
      return Side::remote;
    case Kind::fields: {
      auto it = fields.find(field);
      if (it == fields.end()) return std::nullopt;
      return it->second;
    }
    default:
      return std::nullopt;
  }
}

json to_json(const ConflictRecord& c) {
  return {{"id", c.id},
          {"entity", entity_name(c.entity)},
          {"entity_id", c.entity_id},
          {"fields", c.fields},
          {"merged_fields", c.merged_fields},
          {"base", c.base},
          {"local", c.local},
          {"remote", c.remote},
          {"remote_rev", c.remote_rev},
          {"resolved", c.resolved},
          {"resolution", c.resolution.open() ? json(nullptr) : json(c.resolution.text())},
          {"resolved_at", c.resolved_at.empty() ? json(nullptr) : json(c.resolved_at)},
          {"created_at", c.created_at},
          {"dependents", to_json(c.dependents)}};
}

std::string conflict_name(const ConflictRecord& c) {
  for (const nlohmann::json* row : {&c.local, &c.remote, &c.base})
    if (row->is_object()) {
      auto it = row->find(name_field(c.entity));
      if (it != row->end() && it->is_string() && !it->get_ref<const std::string&>().empty())
        return it->get<std::string>();
    }
  return c.entity_id.substr(0, 8);
}

}  // namespace craftsync
