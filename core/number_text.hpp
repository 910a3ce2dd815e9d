#pragma once
// Numbers as people read them, shared by the CLI, the console and the reports.
//
// Threading: pure functions, any thread.

#include <cstdint>
#include <string>

namespace craftsync {

/// 12000 -> "12,000".
std::string thousands(std::int64_t n);

}  // namespace craftsync
