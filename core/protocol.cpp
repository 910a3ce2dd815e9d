#include "core/protocol.hpp"

#include <charconv>
#include <unordered_set>

#include "core/uuid.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& message) {
  throw ProtocolError("invalid_request", message);
}

/// Fails unless `j` is an object; returns `what`, the name errors about its fields start with.
const char* require_object(const json& j, const char* what) {
  if (!j.is_object()) fail(std::string(what) + " must be a JSON object");
  return what;
}

const json& member(const json& j, const char* key, const char* where) {
  auto it = j.find(key);
  if (it == j.end()) fail(std::string(where) + ": missing field '" + key + "'");
  return *it;
}

std::int64_t get_int(const json& j, const char* key, const char* where) {
  const json& v = member(j, key, where);
  if (!v.is_number_integer()) fail(std::string(where) + ": '" + key + "' must be an integer");
  return v.get<std::int64_t>();
}

std::string get_string(const json& j, const char* key, const char* where) {
  const json& v = member(j, key, where);
  if (!v.is_string()) fail(std::string(where) + ": '" + key + "' must be a string");
  return v.get<std::string>();
}

Entity get_entity(const json& j, const char* where) {
  std::string name = get_string(j, "entity", where);
  auto e = parse_entity(name);
  if (!e)
    throw ProtocolError("unknown_entity", std::string(where) + ": unknown entity '" + name + "'");
  return *e;
}

void reject_unknown_keys(const json& j, std::initializer_list<const char*> allowed,
                         const char* where) {
  for (const auto& item : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || item.key() == a;
    if (!ok) fail(std::string(where) + ": unknown field '" + item.key() + "'");
  }
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::applied:
      return "applied";
    case Verdict::conflict:
      return "conflict";
    case Verdict::rejected:
      return "rejected";
    case Verdict::retry:
      return "retry";
    case Verdict::device_forked:
      return "device_forked";
  }
  return "retry";
}

json to_json(const Mutation& m) {
  json j = {{"seq", m.seq},
            {"entity", entity_name(m.entity)},
            {"id", m.id},
            {"op", m.op == Op::upsert ? "upsert" : "delete"},
            {"base_rev", m.base_rev ? json(*m.base_rev) : json(nullptr)}};
  if (m.op == Op::upsert) j["data"] = m.data;
  return j;
}

Mutation parse_mutation(json& j) {
  const char* where = "mutation";
  require_object(j, "each mutation");
  reject_unknown_keys(j, {"seq", "entity", "id", "op", "base_rev", "data"}, where);
  Mutation m;
  m.seq = get_int(j, "seq", where);
  if (m.seq <= 0) fail("mutation: 'seq' must be positive");
  m.entity = get_entity(j, where);
  m.id = get_string(j, "id", where);
  if (!is_valid_uuid(m.id)) fail("mutation " + std::to_string(m.seq) + ": 'id' must be a UUID");
  std::string op = get_string(j, "op", where);
  if (op == "upsert")
    m.op = Op::upsert;
  else if (op == "delete")
    m.op = Op::remove;
  else
    fail("mutation " + std::to_string(m.seq) + ": 'op' must be \"upsert\" or \"delete\"");
  auto br = j.find("base_rev");
  if (br != j.end() && !br->is_null()) {
    if (!br->is_number_integer() || br->get<std::int64_t>() < 0)
      fail("mutation " + std::to_string(m.seq) +
           ": 'base_rev' must be a non-negative integer or null");
    m.base_rev = br->get<std::int64_t>();
  }
  auto d = j.find("data");
  if (m.op == Op::upsert) {
    if (d == j.end()) fail("mutation " + std::to_string(m.seq) + ": upsert needs 'data'");
    if (auto err = shape_error(m.entity, *d)) {
      std::string code = err->rfind("unknown field", 0) == 0 ? "unknown_field" : "invalid_request";
      throw ProtocolError(code, "mutation " + std::to_string(m.seq) + ": " + *err);
    }
    auto id_it = d->find("id");
    if (id_it != d->end() && id_it->get<std::string>() != m.id)
      fail("mutation " + std::to_string(m.seq) + ": data.id differs from id");
    m.data = std::move(*d);
  } else if (d != j.end() && !d->is_null() && !d->is_object()) {
    fail("mutation " + std::to_string(m.seq) + ": 'data' must be an object or absent");
  }
  return m;
}

json to_json(const PushRequest& r) {
  json muts = json::array();
  for (const auto& m : r.mutations) muts.push_back(to_json(m));
  return {{"device_id", r.device_id}, {"mutations", std::move(muts)}};
}

PushRequest parse_push_request(json j) {
  require_object(j, "push body");
  reject_unknown_keys(j, {"device_id", "mutations"}, "push");
  PushRequest r;
  r.device_id = get_string(j, "device_id", "push");
  if (r.device_id.empty() || r.device_id.size() > kMaxDeviceIdLength)
    fail("push: 'device_id' must be 1 to 128 characters");
  (void)member(j, "mutations", "push");  // a clear error when it is missing
  json& muts = j["mutations"];
  if (!muts.is_array()) fail("push: 'mutations' must be an array");
  if (muts.size() > kMaxMutationsPerPush)
    throw ProtocolError(
        "too_many_mutations",
        "push: at most " + std::to_string(kMaxMutationsPerPush) + " mutations per request");
  r.mutations.reserve(muts.size());
  for (auto& m : muts) r.mutations.push_back(parse_mutation(m));
  std::unordered_set<std::int64_t> seen;
  for (const auto& m : r.mutations)
    if (!seen.insert(m.seq).second) fail("push: duplicate seq " + std::to_string(m.seq));
  return r;
}

json to_json(const MutationResult& r) {
  json j = {{"seq", r.seq}, {"status", verdict_name(r.status)}};
  j["rev"] = r.rev ? json(*r.rev) : json(nullptr);
  if (!r.assigned.empty()) j["assigned"] = r.assigned;
  if (r.status == Verdict::conflict) {
    j["server"] = r.server;
    j["deleted"] = r.server_deleted;
  } else if (r.status == Verdict::rejected && r.server.is_object()) {
    j["server"] = r.server;  // a refused delete: the row the client should put back
  }
  if (!r.errors.empty()) j["errors"] = r.errors;
  if (!r.message.empty()) j["message"] = r.message;
  return j;
}

std::string to_json_text(const MutationResult& r) {
  bool plain =
      r.status == Verdict::applied && r.assigned.empty() && r.errors.empty() && r.message.empty();
  if (!plain) return to_json(r).dump();
  // As nlohmann writes it: keys in order, no spaces.
  return "{\"rev\":" + (r.rev ? std::to_string(*r.rev) : std::string("null")) +
         ",\"seq\":" + std::to_string(r.seq) + ",\"status\":\"applied\"}";
}

MutationResult parse_mutation_result(const json& j) {
  const char* where = require_object(j, "push result");
  MutationResult r;
  r.seq = get_int(j, "seq", where);
  std::string status = get_string(j, "status", where);
  if (status == "applied")
    r.status = Verdict::applied;
  else if (status == "conflict")
    r.status = Verdict::conflict;
  else if (status == "rejected")
    r.status = Verdict::rejected;
  else if (status == "retry")
    r.status = Verdict::retry;
  else if (status == "device_forked")
    r.status = Verdict::device_forked;
  else
    fail("push result: unknown status '" + status + "'");
  auto rev = j.find("rev");
  if (rev != j.end() && !rev->is_null()) {
    if (!rev->is_number_integer()) fail("push result: 'rev' must be an integer");
    r.rev = rev->get<std::int64_t>();
  }
  if (r.status == Verdict::applied && !r.rev) fail("push result: applied without 'rev'");
  if (auto a = j.find("assigned"); a != j.end()) {
    if (!a->is_object()) fail("push result: 'assigned' must be an object");
    r.assigned = *a;
  }
  if (auto s = j.find("server"); s != j.end()) {
    if (!s->is_object() && !s->is_null()) fail("push result: 'server' must be an object or null");
    r.server = *s;
  }
  if (auto d = j.find("deleted"); d != j.end()) {
    if (!d->is_boolean()) fail("push result: 'deleted' must be a boolean");
    r.server_deleted = d->get<bool>();
  }
  if (auto e = j.find("errors"); e != j.end()) {
    if (!e->is_array()) fail("push result: 'errors' must be an array");
    for (const auto& x : *e) {
      if (!x.is_object()) fail("push result: each error must be an object");
      r.errors.push_back(x.get<FieldError>());
    }
  }
  if (auto m = j.find("message"); m != j.end() && m->is_string()) r.message = m->get<std::string>();
  return r;
}

PushResponse parse_push_response(const json& j) {
  require_object(j, "push response");
  const json& results = member(j, "results", "push response");
  if (!results.is_array()) fail("push response: 'results' must be an array");
  PushResponse out;
  out.results.reserve(results.size());
  for (const auto& r : results) out.results.push_back(parse_mutation_result(r));
  if (auto m = j.find("device_max_seq"); m != j.end()) {
    if (!m->is_number_integer() || m->get<std::int64_t>() < 0)
      fail("push response: 'device_max_seq' must be a non-negative integer");
    out.device_max_seq = m->get<std::int64_t>();
  }
  return out;
}

json to_json(const Change& c) {
  return {{"entity", entity_name(c.entity)},
          {"id", c.id},
          {"rev", c.rev},
          {"deleted", c.deleted},
          {"data", c.deleted ? json(nullptr) : c.data}};
}

Change parse_change(const json& j) {
  const char* where = "change";
  require_object(j, "each change");
  Change c;
  c.entity = get_entity(j, where);
  c.id = get_string(j, "id", where);
  if (!is_valid_uuid(c.id)) fail("change: 'id' must be a UUID");
  c.rev = get_int(j, "rev", where);
  const json& del = member(j, "deleted", where);
  if (!del.is_boolean()) fail("change: 'deleted' must be a boolean");
  c.deleted = del.get<bool>();
  auto d = j.find("data");
  if (!c.deleted) {
    if (d == j.end()) fail("change: missing 'data'");
    if (auto err = shape_error(c.entity, *d)) fail("change " + c.id + ": " + *err);
    c.data = *d;
  }
  return c;
}

ChangePage parse_change_page(const json& j) {
  require_object(j, "changes response");
  ChangePage p;
  const json& changes = member(j, "changes", "changes response");
  if (!changes.is_array()) fail("changes response: 'changes' must be an array");
  p.changes.reserve(changes.size());
  for (const auto& c : changes) p.changes.push_back(parse_change(c));
  const json& next = member(j, "next", "changes response");
  if (next.is_string())
    p.next = next.get<std::string>();
  else if (next.is_number_integer())
    p.next = std::to_string(next.get<std::int64_t>());
  else
    fail("changes response: 'next' must be a cursor string");
  parse_cursor(p.next);
  const json& more = member(j, "has_more", "changes response");
  if (!more.is_boolean()) fail("changes response: 'has_more' must be a boolean");
  p.has_more = more.get<bool>();
  if (auto h = j.find("head"); h != j.end() && h->is_number_integer())
    p.head = h->get<std::int64_t>();
  return p;
}

SessionInfo parse_session(const json& j) {
  const char* where = require_object(j, "session response");
  SessionInfo s;
  s.server_version = get_string(j, "server_version", where);
  s.protocol = static_cast<int>(get_int(j, "protocol", where));
  s.server_time = get_string(j, "server_time", where);
  s.role = get_string(j, "role", where);
  return s;
}

json error_body(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

std::int64_t parse_cursor(std::string_view text) {
  std::int64_t value = -1;
  if (text.empty() || text.size() > 18)
    throw ProtocolError("invalid_cursor", "cursor must be a value returned as 'next', or 0");
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0)
    throw ProtocolError("invalid_cursor", "cursor must be a value returned as 'next', or 0");
  return value;
}

}  // namespace craftsync
