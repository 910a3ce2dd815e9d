// GET /api/v1/<entity>/<id>/history: every stored revision of a record, newest first, paged
// (docs/protocol.md, "Record history"). The change-log triggers write the revisions, so that
// pushes, admin writes and SQL by hand all appear, each with its author.
#include "server/route_groups.hpp"
#include "server/router.hpp"

#include <charconv>

#include "core/clock.hpp"
#include "core/protocol.hpp"
#include "core/uuid.hpp"
#include "server/http_util.hpp"

namespace craftsync::server {
namespace {

constexpr const char* kHistory = R"(/api/v1/(customers|quotes|orders)/([^/]+)/history)";

std::int64_t before_param(const HttpRequest& req) {
  if (!req.has_param("before")) return 0;
  std::string text = req.param("before");
  std::int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1)
    throw ProtocolError("invalid_request", "before must be a rev (a positive integer)");
  return v;
}

}  // namespace

void install_history_routes(Router& svr, Storage& storage) {
  svr.add("GET", kHistory, Role::read, [&storage](HttpRequest& req, HttpResponse& res) {
    Entity e = *parse_entity(req.captures.at(0));
    const std::string& id = req.captures.at(1);
    if (!is_valid_uuid(id)) throw ProtocolError("invalid_id", "record id must be a UUID");
    int limit = limit_param(req, 50);
    std::int64_t before = before_param(req);
    auto revisions = storage.history(e, id, before, limit + 1);
    if (revisions.empty() && before == 0) {
      send_error(res, 404, "not_found",
                 std::string(entity_name(e)) + " " + id + " has no history on this server");
      return;
    }
    bool more = revisions.size() > static_cast<std::size_t>(limit);
    if (more) revisions.pop_back();
    std::string body = "{\"revisions\":[";
    for (std::size_t i = 0; i < revisions.size(); ++i) {
      const Revision& r = revisions[i];
      if (i) body += ',';
      body += "{\"rev\":" + std::to_string(r.rev) + ",\"at\":\"" + iso_from_unix_ms(r.at_ms) +
              "\",\"by\":";
      append_json_string(body, r.by);
      body += std::string(",\"deleted\":") + (r.deleted ? "true" : "false") +
              ",\"data\":" + r.data_json + "}";
    }
    body += "],\"next_before\":" + (more ? std::to_string(revisions.back().rev) : "null") + "}";
    send_raw_json(res, 200, std::move(body));
  });
}

}  // namespace craftsync::server
