#pragma once
// What the UI asks the worker to do. Panels append commands to a Commands list while they draw;
// after the frame the render loop hands the list to the worker's queue.
//
// Threading: a Commands list belongs to the render thread. A Command is a plain value, moved
// into the worker's queue and owned by the worker from then on.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/conflict_types.hpp"
#include "core/merge.hpp"
#include "core/settings.hpp"
#include "core/sync_report.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct SyncNow {
  std::vector<Entity> entities;  // empty: all
  Direction direction = Direction::both;
  std::optional<ConflictPolicy> policy;  // empty: the conflictResolution setting
};

/// Also trips the worker's cancel token directly, so it works while a sync is running.
struct CancelSync {};

/// Tests the given server and key (what the person typed), without saving them.
struct TestConnection {
  std::string url, api_key;
};

struct SaveSettings {
  Settings settings;
  bool save_remote = false;  // also store url and api_key in the 0600 config file
  std::string url, api_key;
};

struct BrowseTable {
  TableQuery query;
};

/// Selects the record whose detail the inspector shows; an empty id clears it.
struct ShowRecord {
  Entity entity = Entity::customers;
  std::string id;
};

/// Records of an entity whose names match a search, for a picker (Snapshot::choices).
struct FindChoices {
  Entity entity = Entity::customers;
  std::string search;
};

struct CreateRecord {
  Entity entity = Entity::customers;
  nlohmann::json fields;
};

struct UpdateRecord {
  Entity entity = Entity::customers;
  std::string id;
  nlohmann::json patch;
};

/// Fetches the server's history of a record (Snapshot::history); a read of the server only.
struct ShowHistory {
  Entity entity = Entity::customers;
  std::string id;
};

/// "Restore this version": the fields a person may set, as that revision had them, saved as
/// an ordinary local edit that syncs like any other.
struct RestoreVersion {
  Entity entity = Entity::customers;
  std::string id;
  std::int64_t rev = 0;
  nlohmann::json fields;
};

struct DeleteRecord {
  Entity entity = Entity::customers;
  std::string id;
};

struct ResolveConflict {
  std::int64_t conflict_id = 0;
  Resolution resolution;
  bool sync_now = false;  // then sync at once, so the server has the result (the dialog's default)
};

/// Puts back a value that lost a conflict, as a new local edit.
struct RestoreValue {
  std::int64_t conflict_id = 0;
  Side side = Side::local;
  std::string field;
};

struct Refresh {};

/// Verifies the local database against the server (a pull, then checksums); with `repair`,
/// fetches again what differs and has no pending changes. CancelSync stops it.
struct VerifyNow {
  bool repair = false;
};

/// Not from the UI: live sync's news for the worker, posted by its own threads (the held pull
/// and the local write watch). Not counted as a command the UI sent.
struct LiveEvent {
  enum class Kind { change, connected, lost };
  Kind kind = Kind::change;
  std::string why;  // lost: the reason
};

using Command =
    std::variant<SyncNow, CancelSync, TestConnection, SaveSettings, BrowseTable, ShowRecord,
                 FindChoices, CreateRecord, UpdateRecord, DeleteRecord, ResolveConflict,
                 RestoreValue, Refresh, VerifyNow, ShowHistory, RestoreVersion, LiveEvent>;

/// The commands one frame produced, in order.
class Commands {
 public:
  void push(Command c) { items_.push_back(std::move(c)); }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::vector<Command>& items() { return items_; }
  const std::vector<Command>& items() const { return items_; }
  void clear() { items_.clear(); }

  /// The last command of type T, or nullptr.
  template <class T>
  const T* last() const {
    for (auto it = items_.rbegin(); it != items_.rend(); ++it)
      if (const T* t = std::get_if<T>(&*it)) return t;
    return nullptr;
  }
  template <class T>
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& c : items_) n += std::holds_alternative<T>(c) ? 1 : 0;
    return n;
  }

 private:
  std::vector<Command> items_;
};

}  // namespace craftsync::console
