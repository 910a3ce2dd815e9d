#pragma once
// API keys: generation, hashing, and the role order. Thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "server/storage.hpp"

namespace craftsync::server {

/// A new random key, e.g. "csk_3f9a...", shown to the operator once.
std::string generate_api_key();

/// SHA-256 of any bytes, lower-case hex.
std::string sha256_hex(std::string_view data);

/// SHA-256 of the key, lower-case hex. Keys are high-entropy, so a fast hash is enough.
std::string hash_api_key(std::string_view key);

/// Constant-time equality of two strings of equal length.
bool constant_time_equal(std::string_view a, std::string_view b);

/// The key from "Authorization: Bearer <key>", if the header has that form.
std::optional<std::string> bearer_token(std::string_view authorization_header);

/// True when `have` may do what needs `need` (read < sync < admin).
inline bool role_allows(Role have, Role need) {
  return static_cast<int>(have) >= static_cast<int>(need);
}

}  // namespace craftsync::server
