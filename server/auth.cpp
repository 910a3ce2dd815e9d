#include "server/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <stdexcept>

namespace craftsync::server {
namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(hex[p[i] >> 4]);
    out.push_back(hex[p[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string generate_api_key() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a new key");
  return "csk_" + to_hex(bytes, sizeof bytes);
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256 failed");
  return to_hex(digest, len);
}

std::string hash_api_key(std::string_view key) {
  return sha256_hex(key);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> bearer_token(std::string_view header) {
  constexpr std::string_view prefix = "bearer ";  // the scheme name is case-insensitive (RFC 9110)
  if (header.size() <= prefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != prefix[i]) return std::nullopt;
  std::string_view key = header.substr(prefix.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  if (key.empty() || key.size() > 512) return std::nullopt;
  return std::string(key);
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::read:
      return "read";
    case Role::sync:
      return "sync";
    case Role::admin:
      return "admin";
  }
  return "read";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "read") return Role::read;
  if (s == "sync") return Role::sync;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

}  // namespace craftsync::server
