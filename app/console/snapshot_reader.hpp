#pragma once
// Reads the engine's state into the snapshot's immutable parts: table pages, record details,
// conflict lists, and one-line descriptions of sync results.
//
// Threading: the worker thread only (these use the engine's SQLite connection).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/sync_engine.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

/// Rows [query.offset, query.offset + query.limit) of the filtered table, with their sync state.
std::shared_ptr<const TablePage> read_page(SyncEngine& engine, const TableQuery& query,
                                           std::int64_t total, std::uint64_t generation);

RowView row_view(Entity e, const nlohmann::json& row, const std::optional<RecordSync>& sync);

std::shared_ptr<const RecordDetail> read_detail(SyncEngine& engine, Entity e,
                                                const std::string& id);

struct ConflictLists {
  std::shared_ptr<const std::vector<ConflictRecord>> open, resolved;  // resolved: newest first
};
ConflictLists read_conflicts(SyncEngine& engine, std::size_t history_limit);

/// "Synced: 120 pulled, 3 pushed, 1 merged, 2 conflicts in 1.2 s" and the like.
std::string describe_report(const SyncReport& r);

}  // namespace craftsync::console
