#include "server/api_routes.hpp"

#include <cstdio>
#include <regex>

#include "core/protocol.hpp"
#include "server/http_util.hpp"
#include "server/route_groups.hpp"

namespace craftsync::server {
namespace {

// A path of the API's shape, /api/v1/<name>[/<id>], whose name is no route's: an unknown entity.
const std::regex kEntityLike(R"(/api/v1/([^/]+)(/[^/]*)?)");

bool is_route_name(const std::string& name) {
  return name == "health" || name == "session" || name == "changes" || name == "push" ||
         name == "checksums" || parse_entity(name).has_value();
}

/// The errors the HTTP core answers by status alone (docs/openapi.yaml lists each).
std::pair<const char*, const char*> describe_status(int status) {
  switch (status) {
    case 400:
      return {"bad_request", "the request is malformed"};
    case 404:
      return {"not_found", "no such route"};
    case 413:
      return {"payload_too_large", "request body is larger than the server accepts"};
    case 431:
      return {"headers_too_large", "request headers are larger than the server accepts"};
    case 503:
      return {"unavailable", "the server is at its connection limit; retry shortly"};
    default:
      return {"internal", "internal server error"};
  }
}

}  // namespace

Api::Api(Storage& storage, ApiConfig config)
    : storage_(storage), config_(config), keys_(config.key_cache_ttl) {
  install_sync_routes(router_, storage, metrics_, feed_);
  install_entity_routes(router_, storage, feed_);
  install_checksum_routes(router_, storage);
  install_history_routes(router_, storage);
  watch_ = storage.watch_head([this](std::int64_t head) { feed_.advanced(head); },
                              [this] { return feed_.waiting() > 0; });
  // Prometheus scrapes with the admin key (bearer_token_file); see docs/operations.md.
  router_.add("GET", "/metrics", Role::admin, [this](HttpRequest&, HttpResponse& res) {
    res.content_type = "text/plain; version=0.0.4";
    res.body = metrics_.render(storage_, connections_(), feed_.waiting());
  });
}

const Route* Api::route_for(HttpRequest& req, HttpResponse& res) {
  std::string proto = req.header(kProtocolHeader);
  if (!proto.empty() && proto != std::to_string(kProtocolVersion)) {
    send_error(res, 426, "incompatible_protocol",
               "this server speaks protocol " + std::to_string(kProtocolVersion) +
                   "; the client asked for protocol " + proto.substr(0, 16));
    return nullptr;
  }
  Router::Match m = router_.match(req);
  if (m.route) req.route = m.route->name;
  if (!m.route) {
    if (m.path_known) {
      res.set_header("Allow", m.allow);
      send_error(res, 405, "method_not_allowed",
                 escape_for_log(req.method, 16) + " is not allowed on this route");
    } else if (std::smatch name;
               std::regex_match(req.path, name, kEntityLike) && !is_route_name(name[1].str())) {
      send_error(res, 404, "unknown_entity",
                 "unknown entity '" + escape_for_log(name[1].str(), 64) + "'");
    } else {
      http_error(res, 404);
    }
    return nullptr;
  }
  return m.route;
}

bool Api::authorize(const Route& route, HttpRequest& req, HttpResponse& res) {
  if (!route.need) return true;
  try {
    req.role = server::authorize(storage_, keys_, req, res, *route.need);
  } catch (const StorageUnavailable&) {
    res.set_header("Retry-After", "1");
    send_error(res, 503, "unavailable", "storage is busy or unreachable; retry shortly");
    return false;
  }
  return req.role.has_value();
}

void Api::run(const Route& route, HttpRequest& req, HttpResponse& res) {
  try {
    route.handler(req, res);
  } catch (const StorageUnavailable&) {
    res = HttpResponse{};
    res.set_header("Retry-After", "1");
    send_error(res, 503, "unavailable", "storage is busy or unreachable; retry shortly");
  } catch (const ResyncRequired& e) {
    res = HttpResponse{};
    nlohmann::json body = error_body("resync_required", e.what());
    body["error"]["reason"] = e.reason();
    body["error"]["head"] = e.head();
    if (e.restored_head() > 0) body["error"]["restored_head"] = e.restored_head();
    send_json(res, 410, body);
  } catch (const ProtocolError& e) {
    res = HttpResponse{};
    send_error(res, 400, e.code(), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s %s: %s\n", req.method.c_str(),
                 escape_for_log(req.target).c_str(), e.what());
    res = HttpResponse{};
    send_error(res, 500, "internal", "internal server error");
  }
}

void Api::http_error(HttpResponse& res, int status) const {
  auto [code, message] = describe_status(status);
  std::string msg = message;
  if (status == 413) msg += " (" + std::to_string(config_.max_body_bytes) + " bytes)";
  send_error(res, status, code, msg);
}

void Api::finished(const HttpRequest& req, const HttpResponse& res, std::chrono::nanoseconds took) {
  metrics_.request(req.route.empty() ? "unmatched" : req.route, res.status, took);
  if (!config_.log_requests) return;
  long ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
  std::string device = req.header(kDeviceHeader);
  std::fprintf(stderr, "%s %s %d %ldms device=%s\n", escape_for_log(req.method, 16).c_str(),
               escape_for_log(req.target).c_str(), res.status, ms,
               device.empty() ? "-" : escape_for_log(device, 64).c_str());
}

}  // namespace craftsync::server
