#pragma once
// UUIDv7 generation and UUID validation. Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace craftsync {

/// A new random UUIDv7 (time-ordered), lower-case canonical text.
std::string new_uuid_v7();

/// A UUIDv7 from explicit parts, for deterministic demo data.
std::string make_uuid_v7(std::uint64_t unix_ms, std::uint64_t random_a, std::uint64_t random_b);

/// True for canonical 8-4-4-4-12 hex text (either case).
bool is_valid_uuid(std::string_view s);

}  // namespace craftsync
