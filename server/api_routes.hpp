#pragma once
// The HTTP surface of protocol v1 (see docs/protocol.md), independent of the HTTP core that
// carries it: the routes, the checks made before a body is read (protocol version, route,
// key), error bodies for HTTP-level failures, exception mapping, and the one-line request log.
//
// Threading: built before the server starts; then admit() and run() are called from any
// thread at once. They share only the thread-safe Storage.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <memory>

#include "server/change_feed.hpp"
#include "server/key_cache.hpp"
#include "server/metrics.hpp"
#include "server/router.hpp"

namespace craftsync::server {

class Storage;

struct ApiConfig {
  std::size_t max_body_bytes = 8u << 20;
  bool log_requests = true;
  /// How long a found API key is trusted without asking the database again (KeyCache).
  std::chrono::milliseconds key_cache_ttl{1000};
};

class Api {
 public:
  Api(Storage& storage, ApiConfig config);

  /// With the request's headers in (no body yet): checks the protocol version and finds the
  /// route. Returns it, or null when `res` already holds the answer. No database work.
  const Route* route_for(HttpRequest& req, HttpResponse& res);
  /// Checks the key for a route that needs one (this reads the database, unless the key was
  /// found less than ApiConfig::key_cache_ttl ago), still before the body. False when `res` holds
  /// the 401, 403 or 503.
  bool authorize(const Route& route, HttpRequest& req, HttpResponse& res);
  /// Runs the route on the complete request, mapping exceptions to error bodies.
  void run(const Route& route, HttpRequest& req, HttpResponse& res);
  /// An HTTP-level failure (400, 408, 413, 431, 503, ...) as the API's JSON error.
  void http_error(HttpResponse& res, int status) const;
  /// An answer was written: counted in the metrics under its route (or "unmatched"), and
  /// logged as "METHOD target status 3ms device=..." on stderr, control characters escaped.
  void finished(const HttpRequest& req, const HttpResponse& res, std::chrono::nanoseconds took);
  /// Where GET /metrics reads the number of open connections (the HTTP core sets it).
  void count_connections_with(std::function<std::size_t()> fn) { connections_ = std::move(fn); }

  const ApiConfig& config() const { return config_; }
  /// Held pulls wait here; writes through the routes and the storage's watch advance it.
  ChangeFeed& feed() { return feed_; }
  Metrics& metrics() { return metrics_; }

 private:
  Storage& storage_;
  ApiConfig config_;
  KeyCache keys_;
  Metrics metrics_;
  ChangeFeed feed_;
  std::unique_ptr<HeadWatch> watch_;  // started by the constructor, stopped with the Api
  std::function<std::size_t()> connections_ = [] { return std::size_t{0}; };
  Router router_;
};

}  // namespace craftsync::server
