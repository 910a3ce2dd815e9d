#include "core/record_history.hpp"

namespace craftsync {

using nlohmann::json;

namespace {

json field_of(const json& data, std::string_view name) {
  if (!data.is_object()) return nullptr;
  auto it = data.find(std::string(name));
  return it == data.end() ? json(nullptr) : *it;
}

}  // namespace

json RecordHistory::to_json() const {
  json list = json::array();
  for (const RevisionView& r : revisions)
    list.push_back(
        {{"rev", r.rev}, {"at", r.at}, {"by", r.by}, {"deleted", r.deleted}, {"data", r.data}});
  return {{"entity", std::string(entity_name(entity))},
          {"id", id},
          {"revisions", std::move(list)},
          {"truncated", truncated}};
}

std::vector<FieldChange> changed_fields(Entity e, const json& older, const json& newer) {
  std::vector<FieldChange> out;
  for (const FieldSpec& f : fields_of(e)) {
    json a = field_of(older, f.name), b = field_of(newer, f.name);
    if (a != b) out.push_back({std::string(f.name), std::move(a), std::move(b)});
  }
  return out;
}

std::string describe_revision(Entity e, const RevisionView* older, const RevisionView& r) {
  if (r.deleted) return "deleted";
  if (!older) return "created";
  if (older->deleted) return "restored";
  std::string names;
  for (const FieldChange& c : changed_fields(e, older->data, r.data)) {
    if (c.field == "updated_at") continue;  // every edit moves it
    names += (names.empty() ? "" : ", ") + c.field;
  }
  return names.empty() ? "no field changed" : "changed " + names;
}

json restorable_fields(Entity e, const json& data) {
  json out = json::object();
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind == FieldKind::server_number || f.kind == FieldKind::timestamp) continue;
    out[std::string(f.name)] = field_of(data, f.name);
  }
  return out;
}

}  // namespace craftsync
