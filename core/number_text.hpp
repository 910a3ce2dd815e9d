#pragma once
// Numbers as people read them, shared by the CLI, the console and the reports.
//
// Threading: pure functions, any thread.

#include <cstdint>
#include <string>

namespace craftsync {

/// 12000 -> "12,000".
std::string thousands(std::int64_t n);

/// 1 -> "1 conflict", 2 -> "2 conflicts", 1200 -> "1,200 conflicts". `plural` defaults to
/// `singular` + "s".
std::string counted(std::int64_t n, const std::string& singular, const std::string& plural = "");

}  // namespace craftsync
