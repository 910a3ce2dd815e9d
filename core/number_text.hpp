#pragma once
// Numbers as people read them, shared by the CLI, the console and the reports.
//
// Threading: pure functions, any thread.

#include <cstdint>
#include <string>
#include <string_view>

namespace craftsync {

/// 12000 -> "12,000".
std::string thousands(std::int64_t n);

/// 1 -> "1 conflict", 2 -> "2 conflicts", 1200 -> "1,200 conflicts". `plural` defaults to
/// `singular` + "s".
std::string counted(std::int64_t n, const std::string& singular, const std::string& plural = "");

/// An amount as a table shows it: two decimals and thousands separators ("1250.5" ->
/// "1,250.50"); text that is not a decimal number comes back unchanged.
std::string amount_text(std::string_view amount);

}  // namespace craftsync
