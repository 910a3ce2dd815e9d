#include "core/record_digest.hpp"

#include <xxhash.h>

#include <bit>
#include <charconv>
#include <cstring>

namespace craftsync {
namespace {

/// Eight bytes, little-endian whatever the machine (the digest is part of the protocol).
void put_u64(std::string& out, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  char bytes[8];
  std::memcpy(bytes, &v, 8);
  out.append(bytes, 8);
}

void put_text(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

}  // namespace

bool valid_bucket_count(std::int64_t buckets) {
  return buckets >= 1 && buckets <= kMaxDigestBuckets && (buckets & (buckets - 1)) == 0;
}

std::uint64_t record_digest(std::string_view id, std::int64_t rev,
                            std::span<const std::optional<std::string_view>> values) {
  thread_local std::string buf;
  buf.clear();
  put_text(buf, id);
  put_u64(buf, static_cast<std::uint64_t>(rev));
  for (const auto& v : values) {
    if (!v) {
      buf.push_back('\0');
      continue;
    }
    buf.push_back('\1');
    put_text(buf, *v);
  }
  return XXH3_64bits(buf.data(), buf.size());
}

std::uint32_t digest_bucket(std::string_view id, std::uint32_t buckets) {
  // The high bits, so that the buckets of N and 2N nest (bucket b splits into 2b and 2b+1).
  std::uint64_t h = XXH3_64bits_withSeed(id.data(), id.size(), 0x6275636b6574ULL);
  if (buckets <= 1) return 0;
  int bits = 0;
  while ((1u << bits) < buckets) ++bits;
  return static_cast<std::uint32_t>(h >> (64 - bits));
}

std::string digest_hex(std::uint64_t digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, digest >>= 4) out[static_cast<std::size_t>(i)] = kHex[digest & 15];
  return out;
}

std::optional<std::uint64_t> parse_digest_hex(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  for (char c : hex)
    if (c >= 'A' && c <= 'F') return std::nullopt;
  return v;
}

}  // namespace craftsync
