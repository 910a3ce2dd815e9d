#pragma once
// Wall-clock helpers. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>

namespace craftsync {

/// Now as ISO 8601 UTC with milliseconds, e.g. "2026-11-26T21:57:54.123Z".
std::string utc_now_iso();
/// A Unix time in milliseconds as ISO 8601 UTC with milliseconds.
std::string iso_from_unix_ms(std::int64_t ms);
std::int64_t unix_now_ms();
/// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" to Unix milliseconds.
std::optional<std::int64_t> unix_ms_from_iso(const std::string& iso);

}  // namespace craftsync
