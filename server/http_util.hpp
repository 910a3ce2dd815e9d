#pragma once
// Small helpers the route handlers share: JSON responses, errors, authorization.
//
// Threading: pure functions of their arguments, called from any request thread at once.

#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/storage.hpp"

namespace craftsync::server {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_raw_json(httplib::Response& res, int status, std::string body);
void send_error(httplib::Response& res, int status, std::string_view code,
                std::string_view message);

/// The caller's role if its key is valid and allows `need`; otherwise writes 401/403 and
/// returns nullopt. The messages say nothing about which part was wrong.
std::optional<Role> authorize(Storage& storage, const httplib::Request& req, httplib::Response& res,
                              Role need);

/// Parses the body as JSON, or writes a 400 and returns nullopt.
std::optional<nlohmann::json> parse_body(const httplib::Request& req, httplib::Response& res);

/// The `limit` query parameter: `fallback` when absent, capped at kMaxPageLimit; anything but a
/// positive integer throws ProtocolError("invalid_limit").
int limit_param(const httplib::Request& req, int fallback);

/// Appends `s` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s);

}  // namespace craftsync::server
