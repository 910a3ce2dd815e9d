#include "core/uuid.hpp"

#include <chrono>
#include <random>

namespace craftsync {

std::string make_uuid_v7(std::uint64_t unix_ms, std::uint64_t random_a, std::uint64_t random_b) {
  unsigned char b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(unix_ms >> (8 * (5 - i)));
  for (int i = 0; i < 2; ++i) b[6 + i] = static_cast<unsigned char>(random_a >> (8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<unsigned char>(random_b >> (8 * i));
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x70);  // version 7
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[b[i] >> 4]);
    out.push_back(hex[b[i] & 0xF]);
  }
  return out;
}

std::string new_uuid_v7() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return make_uuid_v7(static_cast<std::uint64_t>(ms), rng(), rng());
}

bool is_valid_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace craftsync
