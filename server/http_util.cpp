#include "server/http_util.hpp"

#include <charconv>

#include "core/protocol.hpp"
#include "server/auth.hpp"

namespace craftsync::server {

void send_json(HttpResponse& res, int status, const nlohmann::json& body) {
  send_raw_json(res, status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void send_raw_json(HttpResponse& res, int status, std::string body) {
  res.status = status;
  res.content_type = "application/json";
  res.body = std::move(body);
}

void send_error(HttpResponse& res, int status, std::string_view code, std::string_view message) {
  send_json(res, status, error_body(code, message));
}

std::optional<Role> authorize(Storage& storage, KeyCache& keys, HttpRequest& req, HttpResponse& res,
                              Role need) {
  auto token = bearer_token(req.header("Authorization"));
  std::optional<Role> role;
  if (token) {
    std::string hash = hash_api_key(*token);
    auto found = keys.find(hash);
    if (!found) {
      found = storage.find_key(hash);
      if (found && constant_time_equal(found->hash, hash)) keys.put(*found);
    }
    if (found && constant_time_equal(found->hash, hash)) {
      role = found->role;
      req.key_label = found->label;
    }
  }
  if (!role) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "unauthorized", "missing or invalid API key");
    return std::nullopt;
  }
  if (!role_allows(*role, need)) {
    send_error(res, 403, "forbidden", "this key's role does not allow this request");
    return std::nullopt;
  }
  return role;
}

std::optional<nlohmann::json> parse_body(const HttpRequest& req, HttpResponse& res) {
  // The JSON parser stops at a NUL byte as at the end of input, so whatever followed it would
  // be ignored silently: a body with one is refused instead.
  if (auto nul = req.body.find('\0'); nul != std::string::npos) {
    send_error(res, 400, "malformed_json",
               "request body is not valid JSON: a NUL byte at offset " + std::to_string(nul));
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    send_error(res, 400, "malformed_json", "request body is not valid JSON: " + what);
    return std::nullopt;
  }
}

int limit_param(const HttpRequest& req, int fallback) {
  if (!req.has_param("limit")) return fallback;
  std::string text = req.param("limit");
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range && !text.empty() && text[0] != '-') return kMaxPageLimit;
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0)
    throw ProtocolError("invalid_limit", "limit must be a positive integer");
  return static_cast<int>(std::min<long long>(value, kMaxPageLimit));
}

int wait_param(const HttpRequest& req) {
  if (!req.has_param("wait")) return 0;
  std::string text = req.param("wait");
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range && !text.empty() && text[0] != '-')
    return kMaxWaitSeconds;
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0)
    throw ProtocolError("invalid_wait", "wait must be a whole number of seconds (0 to 60)");
  return static_cast<int>(std::min<long long>(value, kMaxWaitSeconds));
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  // Most strings (ids, names) need no escape: they are copied whole.
  auto plain = [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c != '"' && c != '\\';
  };
  std::size_t clean = 0;
  while (clean < s.size() && plain(s[clean])) ++clean;
  out.append(s.substr(0, clean));
  for (char ch : s.substr(clean)) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

}  // namespace craftsync::server
