#pragma once
// The engine: one local database, its records, and sync with one server. The CLI drives it
// directly; the console's worker thread owns one. Progress arrives through a callback on the
// engine's thread; cancel() of the CancelToken may come from any thread.
//
// Threading: not shared between threads. Everything but the CancelToken belongs to the thread
// that created the engine.
//
// Re-entry: the progress callback runs on the engine's thread between pages and batches, with
// no transaction open and no statement in progress. It may read through the engine (records(),
// status(), conflicts(), runs()); the console's worker does, to refresh the browsed table
// during a long pull. It must not start another sync() or resolve() from inside the callback:
// the run holds the database's sync lock and its cursor state until it returns.

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
#include "core/record_history.hpp"
#include "core/record_store.hpp"
#include "core/settings.hpp"
#include "core/sync_report.hpp"
#include "core/verify.hpp"

namespace craftsync {

class SqliteConn;

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
  const std::string& db_path() const { return db_path_; }

  RecordStore& records() { return *store_; }
  SqliteConn& db() { return *db_; }
  std::string device_id();

  SyncReport sync(const SyncOptions& options, const ProgressFn& progress, CancelToken& cancel);
  ConnectionReport test_connection(CancelToken& cancel);
  /// Live sync: holds a pull open on the server (`wait=seconds`) until it has a change after
  /// this database's cursor, the seconds pass, or `cancel` fires. True when there is something
  /// to pull (a sync then fetches it). Changes nothing locally. Throws RemoteError when the
  /// server cannot be reached or refuses, and Cancelled.
  bool wait_for_remote_change(int seconds, CancelToken& cancel);
  /// Proves that this database holds what the server holds (core/verify.hpp): pulls first,
  /// then compares checksums; with `repair`, re-fetches what differs and checks again. Takes
  /// the sync lock. Throws RemoteError when the server cannot be reached or refuses, and
  /// std::runtime_error when another sync holds the lock.
  VerifyReport verify(const VerifyOptions& options, CancelToken& cancel);
  /// Every revision the server keeps of a record, newest first (at most `max_revisions`).
  /// Reads the server only. Throws RemoteError (status 404: no history there) and Cancelled.
  RecordHistory history(Entity e, const std::string& id, CancelToken& cancel,
                        int max_revisions = 1000);
  /// Whether the server offers held pulls (live sync); see server_holds_pulls().
  bool server_holds_pulls();

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
