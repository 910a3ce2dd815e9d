#pragma once
// An HTTP request and response as the routes see them, independent of the HTTP library that
// carries them (server/http_core.cpp). The request arrives complete: headers, the decoded
// path, the query parameters, the route's captures, the caller's role, and the body.
//
// Threading: plain values; one request is handled on one thread at a time.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/storage.hpp"

namespace craftsync::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query, not decoded (what the log shows, escaped)
  std::string path;    // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, split on the first '='
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::vector<std::string> captures;  // the route pattern's groups, [0] the first group
  std::string route;                  // the matched route's name (for metrics), or ""
  std::optional<Role> role;           // set once the key was checked (routes that need one)
  std::string key_label;              // that key's label (who an admin write was for)
  std::string body;
  /// Set when the route runs again after a hold (see HttpResponse::hold): the hold's deadline.
  std::optional<std::chrono::steady_clock::time_point> held_until;

  /// The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
  bool has_param(std::string_view key) const;
  /// The first value of a query parameter, or "".
  std::string param(std::string_view key) const;
};

/// A route's "nothing yet; run me again when the change log passes `seen`, or at `until`".
/// The HTTP core waits without holding a thread, then runs the route again with
/// `held_until` set; the route answers, or holds again until the same deadline.
struct Hold {
  std::int64_t seen = 0;
  std::chrono::steady_clock::time_point until;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<Hold> hold;  // set instead of an answer (only GET /changes with wait)

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

/// Splits a request target into its decoded path and query parameters: each parameter splits
/// on its first '=', "%XX" and '+' are decoded. Nullopt when an escape is malformed.
std::optional<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
split_target(std::string_view target);

/// `text` with every byte outside printable ASCII written as \xHH, for one-line logs.
std::string escape_for_log(std::string_view text, std::size_t max = 200);

}  // namespace craftsync::server
