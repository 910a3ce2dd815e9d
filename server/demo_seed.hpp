#pragma once
// Deterministic demo data: realistic customers, each with quotes, and orders for accepted
// quotes. The same (count, seed) always produces the same records.

#include <cstdint>
#include <functional>

namespace craftsync::server {

class Storage;

struct SeedStats {
  std::int64_t customers = 0, quotes = 0, orders = 0;
};

/// Adds `customers` demo customers (with their quotes and orders) when the database has no
/// customers yet; returns what it added (all zero when it skipped).
SeedStats seed_demo(Storage& storage, std::int64_t customers, std::uint64_t seed,
                    const std::function<void(std::int64_t done)>& progress = {});

}  // namespace craftsync::server
