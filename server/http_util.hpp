#pragma once
// Small helpers the route handlers share: JSON responses, errors, authorization.
//
// Threading: pure functions of their arguments, called from any request thread at once.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/http_message.hpp"
#include "server/key_cache.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

void send_json(HttpResponse& res, int status, const nlohmann::json& body);
void send_raw_json(HttpResponse& res, int status, std::string body);
void send_error(HttpResponse& res, int status, std::string_view code, std::string_view message);

/// The caller's role if its key is valid and allows `need` (and the key's label, in
/// `req.key_label`); otherwise writes 401/403 and returns nullopt. The messages say nothing
/// about which part was wrong. A key found in `keys` is not looked up again.
std::optional<Role> authorize(Storage& storage, KeyCache& keys, HttpRequest& req, HttpResponse& res,
                              Role need);

/// Parses the body as JSON, or writes a 400 and returns nullopt.
std::optional<nlohmann::json> parse_body(const HttpRequest& req, HttpResponse& res);

/// The `limit` query parameter: `fallback` when absent, capped at kMaxPageLimit; anything but a
/// positive integer throws ProtocolError("invalid_limit").
int limit_param(const HttpRequest& req, int fallback);

/// The `wait` query parameter of /changes, in seconds: 0 when absent, capped at
/// kMaxWaitSeconds; anything but a non-negative integer throws ProtocolError("invalid_wait").
int wait_param(const HttpRequest& req);

/// Appends `s` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s);

}  // namespace craftsync::server
