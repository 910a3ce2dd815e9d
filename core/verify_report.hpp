#pragma once
// What `verify` found (core/verify.hpp does the work): per entity, the rows on each side, the
// records with pending local changes, and the ids that differ; and what the check cost. Plain
// values, shown by the CLI and the console.
//
// Threading: plain values; any thread.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

struct EntityCheck {
  Entity entity = Entity::customers;
  std::int64_t local = 0, server = 0;  // rows on each side
  std::int64_t pending = 0;            // local records with changes not yet on the server
  std::vector<std::string> missing_locally, missing_on_server, differ;
  std::int64_t server_head = 0;  // the head of the server's snapshot
  bool clean() const {
    return missing_locally.empty() && missing_on_server.empty() && differ.empty();
  }
};

/// What a verify cost: requests, bytes downloaded, buckets compared and expanded.
struct VerifyCost {
  std::int64_t requests = 0, bytes = 0, buckets = 0, expanded = 0;
};

struct VerifyOptions {
  std::vector<Entity> entities;  // empty: all
  bool repair = false;
};

/// The outcome of SyncEngine::verify: one check per entity (after repair, when asked), what
/// it cost, and how many records repair changed.
struct VerifyReport {
  bool ok = false;
  std::vector<EntityCheck> entities;
  VerifyCost cost;
  std::int64_t pulled = 0;    // changes the pull before the check brought
  std::int64_t repaired = 0;  // records repair fetched again or removed
  bool repair_ran = false;
  double ms = 0;  // the check(s) and any repair, not the pull before them
  /// {"ok", "entities": {"customers": {"local", "server", "missing_locally",
  /// "missing_on_server", "differ", "pending"}, ...}, "pulled", "repaired" (with repair),
  /// "cost": {"requests", "bytes", "buckets", "expanded", "ms"}} (docs/cli.md).
  nlohmann::json to_json() const;
  /// One line: "Verified 1,200 records: this database holds what the server holds", or
  /// "3 records differ from the server (2 customers, 1 quote)" ("1 record differs"); "; repair
  /// fixed N" after.
  std::string summary() const;
};

/// Records of `c` that differ, on either side.
std::int64_t differences(const EntityCheck& c);

}  // namespace craftsync
