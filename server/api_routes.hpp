#pragma once
// The HTTP surface of protocol v1 (see docs/protocol.md), independent of the HTTP core that
// carries it: the routes, the checks made before a body is read (protocol version, route,
// key), error bodies for HTTP-level failures, exception mapping, and the one-line request log.
//
// Threading: built before the server starts; then admit() and run() are called from any
// thread at once. They share only the thread-safe Storage.

#include <cstddef>
#include <string>

#include "server/router.hpp"

namespace craftsync::server {

class Storage;

struct ApiConfig {
  std::size_t max_body_bytes = 8u << 20;
  bool log_requests = true;
};

class Api {
 public:
  Api(Storage& storage, ApiConfig config);

  /// With the request's headers in (no body yet): finds its route and checks the protocol
  /// version and the key (this reads the database). Returns the route, or null when `res`
  /// already holds the answer.
  const Route* admit(HttpRequest& req, HttpResponse& res);
  /// Runs the route on the complete request, mapping exceptions to error bodies.
  void run(const Route& route, HttpRequest& req, HttpResponse& res);
  /// An HTTP-level failure (400, 408, 413, 431, 503, ...) as the API's JSON error.
  void http_error(HttpResponse& res, int status) const;
  /// "METHOD target status 3ms device=..." on stderr, control characters escaped.
  void log(const HttpRequest& req, const HttpResponse& res, long ms) const;

  const ApiConfig& config() const { return config_; }

 private:
  Storage& storage_;
  ApiConfig config_;
  Router router_;
};

}  // namespace craftsync::server
