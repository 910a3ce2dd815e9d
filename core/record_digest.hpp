#pragma once
// The digests that `craftsync verify` compares with the server's (docs/protocol.md,
// "Checksums"). A record's digest covers its id, its rev and every data-model field, null or
// not; records fall into buckets by a hash of their id alone, so a record keeps its bucket
// whatever its rev; a bucket's digest is the XOR of its records' digests, so the order in
// which a side reads its rows does not matter. The client and both server backends compute
// them with these functions, from the same column values.
//
// Threading: pure functions, any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace craftsync {

/// Bucket counts a checksum request may ask for: a power of two from 1 to 65536.
inline constexpr std::uint32_t kMaxDigestBuckets = 65536;
bool valid_bucket_count(std::int64_t buckets);

/// The record's digest: xxHash3 (64 bits) of the id, the rev and the field values in
/// fields_of() order, each value length-prefixed and null told apart from "".
std::uint64_t record_digest(std::string_view id, std::int64_t rev,
                            std::span<const std::optional<std::string_view>> values);

/// The bucket of an id among `buckets` (a valid bucket count).
std::uint32_t digest_bucket(std::string_view id, std::uint32_t buckets);

/// A digest as 16 lowercase hex digits, and back (nullopt for anything else).
std::string digest_hex(std::uint64_t digest);
std::optional<std::uint64_t> parse_digest_hex(std::string_view hex);

/// Per-bucket record counts and XORed digests.
struct BucketSums {
  explicit BucketSums(std::uint32_t buckets) : count(buckets, 0), digest(buckets, 0) {}
  void add(std::uint32_t bucket, std::uint64_t record) {
    ++count[bucket];
    digest[bucket] ^= record;
  }
  std::vector<std::int64_t> count;
  std::vector<std::uint64_t> digest;
};

}  // namespace craftsync
