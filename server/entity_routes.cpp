#include "server/route_groups.hpp"
#include "server/router.hpp"

#include <charconv>

#include "core/protocol.hpp"
#include "core/uuid.hpp"
#include "server/change_feed.hpp"
#include "server/http_util.hpp"
#include "server/mutation_apply.hpp"

namespace craftsync::server {
namespace {

using nlohmann::json;

constexpr const char* kCollection = R"(/api/v1/(customers|quotes|orders))";
constexpr const char* kItem = R"(/api/v1/(customers|quotes|orders)/([^/]+))";

Entity entity_of(const HttpRequest& req) {
  return *parse_entity(req.captures.at(0));
}

std::string checked_id(const HttpRequest& req) {
  std::string id = req.captures.at(1);
  if (!is_valid_uuid(id)) throw ProtocolError("invalid_id", "record id must be a UUID");
  return id;
}

json with_rev(const StoredRow& row) {
  json out = row.data;
  out["rev"] = row.rev;
  return out;
}

/// Runs an admin write as a mutation and answers with the stored record or the verdict.
void answer_write(Storage& storage, ChangeFeed& feed, const Mutation& m, const HttpRequest& req,
                  HttpResponse& res, int ok_status) {
  auto txn = storage.begin_write();
  txn->set_author("admin:" + req.key_label);  // record history names the key
  MutationResult r = apply_mutation(*txn, m);
  if (r.status == Verdict::applied) {
    auto row = txn->current(m.entity, m.id);
    txn->commit();
    if (r.rev)
      if (auto head = storage.head_after_write(*r.rev)) feed.advanced(head);
    if (m.op == Op::remove)
      send_json(res, 200, {{"id", m.id}, {"deleted", true}, {"rev", *r.rev}});
    else
      send_json(res, ok_status, with_rev(*row));
    return;
  }
  if (r.status == Verdict::rejected) {
    bool children = !r.errors.empty() && r.errors.front().code == "has_children";
    json body = error_body(
        children ? "has_children" : "validation_failed",
        children ? "other records still refer to this one" : "the record is not valid; see errors");
    body["error"]["errors"] = r.errors;
    send_json(res, children ? 409 : 422, body);
    return;
  }
  json body = error_body(
      r.server_deleted ? "deleted" : "conflict",
      r.server_deleted ? "the record was deleted" : "the record changed since the given rev");
  body["error"]["server"] = r.server;
  body["error"]["rev"] = r.rev ? json(*r.rev) : json(nullptr);
  send_json(res, 409, body);
}

Mutation admin_mutation(Entity e, std::string id, Op op, std::optional<std::int64_t> base,
                        json data) {
  Mutation m;
  m.entity = e;
  m.id = std::move(id);
  m.op = op;
  m.base_rev = base;
  m.data = std::move(data);
  return m;
}

json checked_data(Entity e, const json& body) {
  if (auto err = shape_error(e, body)) {
    bool unknown = err->rfind("unknown field", 0) == 0;
    throw ProtocolError(unknown ? "unknown_field" : "invalid_request", *err);
  }
  return body;
}

std::optional<std::int64_t> if_match_rev(const HttpRequest& req) {
  std::string v = req.header("If-Match");
  if (v.empty()) return std::nullopt;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t rev = -1;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), rev);
  if (ec != std::errc() || ptr != v.data() + v.size() || rev < 0)
    throw ProtocolError("invalid_request", "If-Match must be a record rev");
  return rev;
}

}  // namespace

void install_entity_routes(Router& svr, Storage& storage, ChangeFeed& feed) {
  svr.add("GET", kCollection, Role::read, [&storage](HttpRequest& req, HttpResponse& res) {
    Entity e = entity_of(req);
    std::string after = req.param("after_id");
    int limit = limit_param(req, 100);
    auto rows = storage.list(e, after, limit);
    json records = json::array();
    for (const auto& r : rows) records.push_back(with_rev(r));
    json next = rows.size() == static_cast<std::size_t>(limit) ? json(rows.back().data["id"])
                                                               : json(nullptr);
    send_json(res, 200, {{"records", std::move(records)}, {"next_after_id", next}});
  });

  svr.add("GET", kItem, Role::read, [&storage](HttpRequest& req, HttpResponse& res) {
    Entity e = entity_of(req);
    std::string id = checked_id(req);
    auto row = storage.get(e, id);
    if (!row || row->deleted) {
      send_error(
          res, 404, "not_found",
          std::string(entity_name(e)) + " " + id + (row ? " was deleted" : " does not exist"));
      return;
    }
    send_json(res, 200, with_rev(*row));
  });

  svr.add("POST", kCollection, Role::admin, [&storage, &feed](HttpRequest& req, HttpResponse& res) {
    Entity e = entity_of(req);
    auto body = parse_body(req, res);
    if (!body) return;
    json data = checked_data(e, *body);
    std::string id = data.contains("id") ? data["id"].get<std::string>() : new_uuid_v7();
    if (!is_valid_uuid(id)) throw ProtocolError("invalid_id", "record id must be a UUID");
    data.erase("id");
    if (storage.get(e, id)) {
      send_error(res, 409, "already_exists",
                 std::string(entity_name(e)) + " " + id + " already exists");
      return;
    }
    answer_write(storage, feed, admin_mutation(e, id, Op::upsert, std::nullopt, std::move(data)),
                 req, res, 201);
  });

  svr.add("PUT", kItem, Role::admin, [&storage, &feed](HttpRequest& req, HttpResponse& res) {
    Entity e = entity_of(req);
    std::string id = checked_id(req);
    auto body = parse_body(req, res);
    if (!body) return;
    json data = checked_data(e, *body);
    if (data.contains("id") && data["id"] != id)
      throw ProtocolError("invalid_request", "body id differs from the URL's id");
    data.erase("id");
    auto current = storage.get(e, id);
    std::optional<std::int64_t> base = if_match_rev(req);
    if (!base && current) base = current->rev;
    int status = current ? 200 : 201;
    answer_write(storage, feed, admin_mutation(e, id, Op::upsert, base, std::move(data)), req, res,
                 status);
  });

  svr.add("DELETE", kItem, Role::admin, [&storage, &feed](HttpRequest& req, HttpResponse& res) {
    Entity e = entity_of(req);
    std::string id = checked_id(req);
    auto current = storage.get(e, id);
    if (!current || current->deleted) {
      send_error(res, 404, "not_found", std::string(entity_name(e)) + " " + id + " does not exist");
      return;
    }
    std::optional<std::int64_t> base = if_match_rev(req);
    if (!base) base = current->rev;
    answer_write(storage, feed, admin_mutation(e, id, Op::remove, base, json::object()), req, res,
                 200);
  });
}

}  // namespace craftsync::server
