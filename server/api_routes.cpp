// Route installation, plus what every request shares: the protocol-version check, error
// bodies for httplib's own errors, exception mapping, and the one-line request log.

#include "server/api_routes.hpp"

#include <chrono>
#include <cstdio>

#include <httplib.h>

#include "core/protocol.hpp"
#include "server/http_util.hpp"
#include "server/route_groups.hpp"

namespace craftsync::server {
namespace {

thread_local std::chrono::steady_clock::time_point t_request_start{};

std::string device_for_log(const httplib::Request& req) {
  std::string d = req.get_header_value(kDeviceHeader);
  if (d.empty()) return "-";
  if (d.size() > 64) d.resize(64);
  for (char& c : d)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return d;
}

std::pair<const char*, const char*> describe_status(int status) {
  switch (status) {
    case 400:
      return {"bad_request", "the request is malformed"};
    case 404:
      return {"not_found", "no such route"};
    case 405:
      return {"method_not_allowed", "method not allowed on this route"};
    case 413:
      return {"payload_too_large", "request body is larger than the server accepts"};
    case 414:
      return {"uri_too_long", "request URI is too long"};
    case 416:
      return {"range_not_satisfiable", "range not satisfiable"};
    default:
      break;
  }
  if (status >= 500) return {"internal", "internal server error"};
  return {"error", "request failed"};
}

}  // namespace

void install_api_routes(httplib::Server& svr, Storage& storage, const ApiConfig& config) {
  svr.set_payload_max_length(config.max_body_bytes);

  svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    t_request_start = std::chrono::steady_clock::now();
    std::string proto = req.get_header_value(kProtocolHeader);
    if (!proto.empty() && proto != std::to_string(kProtocolVersion)) {
      send_error(res, 426, "incompatible_protocol",
                 "this server speaks protocol " + std::to_string(kProtocolVersion) +
                     "; the client asked for protocol " + proto.substr(0, 16));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  httplib::Server::HandlerWithResponse on_error =
      [max = config.max_body_bytes](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        auto [code, message] = describe_status(res.status);
        std::string msg = message;
        if (res.status == 413) msg += " (" + std::to_string(max) + " bytes)";
        send_error(res, res.status, code, msg);
        return httplib::Server::HandlerResponse::Handled;
      };
  svr.set_error_handler(on_error);

  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                               std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const StorageUnavailable& e) {
      res.set_header("Retry-After", "1");
      send_error(res, 503, "unavailable", "storage is busy or unreachable; retry shortly");
    } catch (const ResyncRequired& e) {
      nlohmann::json body = error_body("resync_required", e.what());
      body["error"]["reason"] = e.reason();
      body["error"]["head"] = e.head();
      if (e.restored_head() > 0) body["error"]["restored_head"] = e.restored_head();
      send_json(res, 410, body);
    } catch (const ProtocolError& e) {
      send_error(res, 400, e.code(), e.what());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
      send_error(res, 500, "internal", "internal server error");
    } catch (...) {
      send_error(res, 500, "internal", "internal server error");
    }
  });

  if (config.log_requests) {
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      long ms = -1;
      if (t_request_start != std::chrono::steady_clock::time_point{})
        ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - t_request_start)
                                   .count());
      t_request_start = {};
      std::fprintf(stderr, "%s %s %d %ldms device=%s\n", req.method.c_str(), req.path.c_str(),
                   res.status, ms, device_for_log(req).c_str());
    });
  }

  install_sync_routes(svr, storage);
  install_entity_routes(svr, storage);
}

}  // namespace craftsync::server
