#pragma once
// What the console shows: an immutable value published by the worker thread and drawn by the
// render thread. Big parts sit behind shared_ptr<const ...> so that publishing a new snapshot
// copies pointers, not tables.
//
// Threading: a Snapshot is built on the worker thread, then published as shared_ptr<const> and
// never written again. Any thread may read a published one.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/conflict_types.hpp"
#include "core/record_history.hpp"
#include "core/record_types.hpp"
#include "core/settings.hpp"
#include "core/sync_report.hpp"
#include "core/verify_report.hpp"

namespace craftsync::console {

/// How the server looks from here, after the last thing the worker tried.
enum class Link {
  unconfigured,  // no URL or no API key yet
  unknown,       // configured, nothing tried yet
  online,        // the last request worked
  offline,       // the server could not be reached
  auth_error,    // reachable, but the key was refused
  error,         // reachable, but the run failed (server error, bad answer, protocol)
};

struct ConnectionState {
  Link link = Link::unknown;
  std::string message;            // one line, e.g. the last error
  std::int64_t retry_at_ms = 0;   // Unix ms of the next automatic retry when offline; 0: none
  bool live = false;              // a held pull is open: the server's changes arrive at once
  bool settings_changed = false;  // unknown because a new server or key was just saved
};

/// Where the remote configuration came from, for display. The key is kept in memory only.
struct RemoteView {
  std::string url;
  std::string api_key;
  std::string source;   // "command line", "environment", ".env file (PATH)", "config file", ""
  std::string warning;  // e.g. a config file readable by others
  bool configured() const { return !url.empty() && !api_key.empty(); }
};

struct SyncActivity {
  bool running = false;
  bool cancelling = false;
  std::string trigger;  // manual | auto | launch
  std::string entity;   // all | customers | ...
  std::string direction;
  SyncProgress progress;
  std::int64_t started_ms = 0;
};

/// A window of one table, as the inspector asked for it.
struct TableQuery {
  Entity entity = Entity::customers;
  std::string search;
  std::string state;  // "" or synced | pending | conflict | rejected
  std::int64_t offset = 0;
  std::int64_t limit = 300;
  std::string sort;  // "" (creation order), a field, or kSortByState; see ListQuery
  bool descending = false;
  /// Same table, search, filter and order (offset and limit aside).
  bool same_filter(const TableQuery& o) const {
    return entity == o.entity && search == o.search && state == o.state && sort == o.sort &&
           descending == o.descending;
  }
};

struct RowView {
  std::string id;
  std::vector<std::string> cells;  // one per fields_of(entity), "" for null
  std::string state;               // synced | pending | conflict | rejected
  bool provisional = false;        // the number shown is provisional until the server assigns it
  std::vector<std::string> names;  // per field: the referred record's name ("" if none or not here)
};

struct TablePage {
  TableQuery query;
  std::int64_t total = 0;     // rows matching the filter
  std::vector<RowView> rows;  // rows[i] is row query.offset + i
  std::uint64_t data_generation = 0;
  bool covers(std::int64_t first, std::int64_t last) const {
    return first >= query.offset && last <= query.offset + static_cast<std::int64_t>(rows.size());
  }
};

struct RecordDetail {
  Entity entity = Entity::customers;
  std::string id;
  bool found = false;
  nlohmann::json row;               // the record as stored locally
  std::optional<RecordSync> sync;   // its sync_metadata, when it has any
  std::vector<OutboxEntry> outbox;  // mutations waiting to be pushed for it
  // Local records that refer to it, by entity ("2 quotes and 1 order"); it cannot be deleted
  // while there are any.
  std::vector<std::pair<Entity, std::int64_t>> dependents;
  std::string name;                        // record_name(): what the record is called
  std::vector<RelatedRecord> references;   // the records it refers to, with their names
  std::vector<RelatedRecord> referred_by;  // the first records that refer to it
};

/// Records a picker offers for a search (FindChoices), best match first.
struct Choice {
  std::string id, name;
  std::string detail;  // a second line: a customer's email and city, a quote's customer
  std::string customer_id, customer_name;  // a quote's customer, so that an order takes both
};
struct ChoiceList {
  Entity entity = Entity::customers;
  std::string search;
  std::vector<Choice> items;
  bool more = false;  // there were more matches than items
};

/// The last verify: running now, why it could not run, or what it found.
struct VerifyState {
  bool running = false;
  bool repairing = false;
  std::string error;             // the last verify could not run: why ("" when it ran)
  std::int64_t finished_ms = 0;  // Unix ms; 0 before the first
  std::shared_ptr<const VerifyReport> report;  // of the last verify that ran
};

/// The server's history of the record last asked for (ShowHistory).
struct HistoryState {
  Entity entity = Entity::customers;
  std::string id;  // "" before the first request
  bool loading = false;
  std::string error;                             // the last request failed: why
  std::shared_ptr<const RecordHistory> history;  // of `id`, when it arrived
  bool is_for(Entity e, const std::string& rid) const { return entity == e && id == rid; }
};

struct Event {
  enum class Level { info, error };
  std::uint64_t id = 0;
  std::int64_t at_ms = 0;
  Level level = Level::info;
  std::string text;
  std::string record_id{};  // the record the text names, for a tooltip and the clipboard
};

struct Snapshot {
  std::uint64_t version = 0;
  bool loaded = false;     // the worker opened the local database
  std::string load_error;  // why it could not
  std::string db_path;
  std::uint64_t commands_done = 0;  // commands the worker has finished, to know when it is idle

  RemoteView remote;
  ConnectionState connection;
  Settings settings;
  StatusReport status;
  SyncActivity sync;
  bool launch_sync_pending = false;
  std::int64_t next_auto_sync_ms = 0;  // Unix ms; 0 when auto-sync is off or impossible

  bool testing_connection = false;
  std::shared_ptr<const ConnectionReport> connection_test;
  std::string connection_test_url, connection_test_key;  // what the test above was run with

  std::shared_ptr<const std::vector<RunRecord>> runs;  // newest first
  std::shared_ptr<const std::vector<ConflictRecord>> open_conflicts;
  std::shared_ptr<const std::vector<ConflictRecord>> resolved_conflicts;  // newest first
  std::array<std::shared_ptr<const TablePage>, 3> pages;                  // by Entity
  std::shared_ptr<const RecordDetail> detail;
  std::shared_ptr<const ChoiceList> choices;  // the answer to the last FindChoices
  VerifyState verify;
  HistoryState history;
  std::shared_ptr<const std::vector<Event>> events;  // oldest first, bounded
  std::uint64_t data_generation = 0;  // bumped whenever local records may have changed
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

inline std::size_t entity_index(Entity e) {
  return static_cast<std::size_t>(e);
}

}  // namespace craftsync::console
