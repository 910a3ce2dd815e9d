#pragma once
// The console's read side: what the worker reads from the local database into the snapshot
// (table pages, the record in the detail pane, status, settings, runs and conflicts), and what it
// remembers so as to read them again when the data changes: the window last browsed per table,
// the active table, the record shown, and each table's row count, cached per filter until the
// data generation moves on.
//
// Threading: the worker thread only (it reads through the engine's SQLite connection).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/sync_engine.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

class ReadModel {
 public:
  /// The generation of a model just opened.
  static constexpr std::uint64_t kFirstGeneration = 1;

  explicit ReadModel(SyncEngine& engine) : engine_(engine) {}

  /// Local records may have changed: counts are recounted, and pages read from now on carry
  /// the new generation.
  void data_changed() { ++generation_; }
  std::uint64_t generation() const { return generation_; }

  /// Shows (and remembers) a window of a table, which becomes the active one.
  void browse(const TableQuery& q, Snapshot& snap);
  /// The records of `e` a picker offers for a search, by name.
  void find_choices(Entity e, const std::string& search, Snapshot& snap);
  /// Shows a record in the detail pane; an empty id clears it.
  void show(Entity e, const std::string& id, Snapshot& snap);
  /// After an edit of a record of `e`: status, that table's page, and the detail (the created
  /// record when there is one, else the one shown).
  void after_edit(Entity e, const std::optional<std::string>& created_id, Snapshot& snap);
  /// Between pages of a running sync: a new generation, the status and the active table.
  void refresh_during_sync(Snapshot& snap);
  /// Everything: status, settings, runs, conflicts, every browsed page and the detail.
  void refresh_all(Snapshot& snap);

 private:
  void refresh_page(Entity e, Snapshot& snap);
  void refresh_detail(Snapshot& snap);
  void refresh_status(Snapshot& snap);

  struct CountCache {
    std::optional<TableQuery> filter;
    std::uint64_t generation = 0;
    std::int64_t total = 0;
  };

  SyncEngine& engine_;
  std::uint64_t generation_ = kFirstGeneration;
  std::array<std::optional<TableQuery>, 3> browsed_;  // the last window asked for, per table
  std::optional<Entity> active_table_;
  std::array<CountCache, 3> counts_;
  std::optional<std::pair<Entity, std::string>> shown_;
};

}  // namespace craftsync::console
