#include "core/merge.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

json field_of(const RecordState& r, std::string_view name) {
  if (!r || !r->is_object()) return nullptr;
  auto it = r->find(name);
  return it == r->end() ? json(nullptr) : *it;
}

/// Fields the server or the clock owns: the remote side's value stands when it has one.
void settle_bookkeeping_fields(Entity e, const RecordState& local, const RecordState& remote,
                               json& merged) {
  for (const FieldSpec& f : fields_of(e)) {
    if (is_user_field(f)) continue;
    json l = field_of(local, f.name), r = field_of(remote, f.name);
    json v = r.is_null() ? l : r;
    if (f.name == "updated_at" && l.is_string() && r.is_string())
      v = l.get<std::string>() > r.get<std::string>() ? l : r;
    merged[std::string(f.name)] = v;
  }
}

}  // namespace

std::string_view policy_name(ConflictPolicy p) {
  switch (p) {
    case ConflictPolicy::remote:
      return "remote";
    case ConflictPolicy::local:
      return "local";
    case ConflictPolicy::manual:
      return "manual";
  }
  return "remote";
}

std::optional<ConflictPolicy> parse_policy(std::string_view s) {
  if (s == "remote") return ConflictPolicy::remote;
  if (s == "local") return ConflictPolicy::local;
  if (s == "manual") return ConflictPolicy::manual;
  return std::nullopt;
}

bool is_user_field(const FieldSpec& f) {
  return f.kind != FieldKind::timestamp && f.kind != FieldKind::server_number;
}

void take_server_owned_fields(Entity e, const json& remote, json& row) {
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind != FieldKind::server_number && f.name != "created_at") continue;
    auto it = remote.find(f.name);
    if (it != remote.end() && !it->is_null()) row[std::string(f.name)] = *it;
  }
}

bool same_user_fields(Entity e, const json& a, const json& b) {
  for (const FieldSpec& f : fields_of(e)) {
    if (!is_user_field(f)) continue;
    if (field_of(a, f.name) != field_of(b, f.name)) return false;
  }
  return true;
}

MergeResult merge_records(Entity e, const RecordState& base, const RecordState& local,
                          const RecordState& remote, ConflictPolicy policy) {
  MergeResult out;

  // Whole-record cases: one or both sides deleted.
  if (!local || !remote) {
    if (!local && !remote) return out;  // both deleted: nothing to do
    const RecordState& alive = local ? local : remote;
    bool alive_edited = !base || !same_user_fields(e, *base, *alive);
    if (!alive_edited) {
      // The living side did not change since base: the delete wins without a conflict.
      out.needs_push = !local;  // our delete still has to reach the server
      return out;
    }
    out.delete_conflict = true;
    out.needs_person = policy == ConflictPolicy::manual;
    bool take_local = policy != ConflictPolicy::remote;
    out.merged = take_local ? local : remote;
    out.needs_push = take_local;
    return out;
  }

  json merged = json::object();
  merged["id"] = field_of(remote, "id").is_null() ? field_of(local, "id") : field_of(remote, "id");
  for (const FieldSpec& f : fields_of(e)) {
    if (!is_user_field(f)) continue;
    std::string field(f.name);
    json base_value = base ? field_of(base, f.name) : json(nullptr);
    json mine = field_of(local, f.name), theirs = field_of(remote, f.name);
    bool local_changed = !base || mine != base_value;
    bool remote_changed = !base || theirs != base_value;
    if (mine == theirs || !remote_changed) {
      merged[field] = mine;  // the same on both sides, or only we changed it
    } else if (!local_changed) {
      merged[field] = theirs;  // only the server changed it: an automatic merge
      out.auto_merged.push_back(field);
    } else {  // both changed it, differently: a true conflict, settled by the policy for now
      merged[field] = policy == ConflictPolicy::remote ? theirs : mine;
      out.conflicts.push_back(field);
    }
  }
  settle_bookkeeping_fields(e, local, remote, merged);
  out.needs_person = policy == ConflictPolicy::manual && !out.conflicts.empty();
  out.needs_push = !same_user_fields(e, merged, *remote);
  out.merged = std::move(merged);
  return out;
}

}  // namespace craftsync
