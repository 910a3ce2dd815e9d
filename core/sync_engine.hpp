#pragma once
// The engine: one local database, its records, and sync with one server. The CLI drives it
// directly; the console's worker thread owns one. Progress arrives through a callback on the
// engine's thread; cancel() of the CancelToken may come from any thread.
//
// Threading: not shared between threads. Everything but the CancelToken belongs to the thread
// that created the engine.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/cancel.hpp"
#include "core/conflicts.hpp"
#include "core/http_client.hpp"
#include "core/merge.hpp"
#include "core/record_store.hpp"
#include "core/settings.hpp"

namespace craftsync {

class SqliteConn;

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

struct SyncProgress {
  std::string phase;  // recovering | pulling | pushing | done
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
  std::int64_t forks = 0;  // this database took a new device id (it was restored or copied)
  std::string error;       // one line when !ok
  std::string notice;      // what a person should know even when ok (e.g. a fork)
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
  nlohmann::json to_json() const;
};

using ProgressFn = std::function<void(const SyncProgress&)>;

class SyncEngine {
 public:
  /// Opens (creating and migrating) the local database.
  explicit SyncEngine(const std::string& db_path);
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  void set_remote(const RemoteConfig& remote);
  const RemoteConfig& remote() const { return remote_; }

  RecordStore& records() { return *store_; }
  SqliteConn& db() { return *db_; }
  std::string device_id();

  SyncReport sync(const SyncOptions& options, const ProgressFn& progress, CancelToken& cancel);
  ConnectionReport test_connection(CancelToken& cancel);

  StatusReport status();
  std::vector<RunRecord> runs(int limit);

  Settings settings();
  void set_setting(const std::string& key, const std::string& value);

  std::vector<ConflictRecord> conflicts(bool include_resolved);
  void resolve(std::int64_t conflict_id, const Resolution& r);

 private:
  HttpClient& http();

  std::string db_path_;
  std::unique_ptr<SqliteConn> db_;
  std::unique_ptr<RecordStore> store_;
  std::unique_ptr<HttpClient> http_;
  RemoteConfig remote_;
};

}  // namespace craftsync
