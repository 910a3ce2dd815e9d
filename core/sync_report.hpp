#pragma once
// What a sync run, a status query and a connection test report, as values. The CLI prints
// them and the console's snapshot carries them; nothing here does I/O.
//
// Threading: plain values, safe to copy between threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/merge.hpp"
#include "core/record_types.hpp"

namespace craftsync {

enum class Direction { both, push, pull };
std::optional<Direction> parse_direction(std::string_view s);
std::string_view direction_name(Direction d);

struct SyncOptions {
  std::vector<Entity> entities;  // empty: all
  Direction direction = Direction::both;
  std::optional<ConflictPolicy> policy;  // default: the conflictResolution setting
  std::string trigger = "manual";        // manual | auto | launch | watch
  int page_limit = 5000;  // the server caps pages at 5000; bigger pages mean fewer round trips
};

/// Where a run is. recovering: answers to a push that was cut off are fetched first.
enum class SyncPhase { recovering, pulling, pushing, done };
std::string_view phase_name(SyncPhase p);

struct SyncProgress {
  SyncPhase phase = SyncPhase::pulling;
  std::int64_t pages = 0, records = 0, bytes = 0;
  std::int64_t done = 0, total = 0;  // for a percentage; total 0 when unknown
  std::int64_t pushed = 0;
  double records_per_second = 0;
};

struct SyncReport {
  bool ok = false;
  bool cancelled = false;
  std::int64_t run_id = 0;
  std::int64_t pulled = 0, pushed = 0, merged = 0, conflicts = 0, rejected = 0, retried = 0;
  std::int64_t skipped = 0, held = 0, pages = 0, bytes = 0;
  std::int64_t duration_ms = 0;
  bool resynced = false;
  std::int64_t forks = 0;       // this database took a new device id (it was restored or copied)
  std::int64_t overlapped = 0;  // push batches sent while the last one's verdicts were applied
  std::string error;            // one line when !ok
  std::string notice;           // what a person should know even when ok (e.g. a fork)
  nlohmann::json to_json() const;
};

struct Statistics {
  std::int64_t total = 0, success = 0, failed = 0, pushed = 0, pulled = 0, merged = 0,
               conflicts = 0;
};

struct RunRecord {
  std::int64_t id = 0;
  std::string started_at, trigger, direction, entity, error, notice;
  std::int64_t duration_ms = 0, pulled = 0, pushed = 0, merged = 0, conflicts = 0, rejected = 0;
  bool ok = false;
};

/// A record the server refused, with why (its field errors).
struct RejectedRecord {
  Entity entity = Entity::customers;
  std::string id;
  nlohmann::json errors = nlohmann::json::array();
};

struct StatusReport {
  std::string device_id;
  std::string last_sync_at;  // last successful run
  std::string last_attempt_at;
  std::string last_error;
  std::int64_t pending = 0, outbox = 0, open_conflicts = 0, rejected = 0;
  std::int64_t records[3] = {0, 0, 0};
  Statistics stats;
  ForkInfo fork;  // when this database last took a new device id (restored or copied)
  std::vector<RejectedRecord> rejected_records;  // the first 100
  nlohmann::json to_json() const;
};

struct ConnectionReport {
  bool reachable = false, authenticated = false;
  std::string role, server_version, backend, error;
  int protocol = 0;
  double round_trip_ms = 0;
  double clock_skew_ms = 0;  // server time minus local time, at the midpoint of the request
  /// The server answered, took the key and spoke our protocol.
  bool ok() const { return reachable && authenticated && error.empty(); }
  nlohmann::json to_json() const;
};

}  // namespace craftsync
