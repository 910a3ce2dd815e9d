#pragma once
// Pull: fetches change pages and applies each page, together with the cursor, in one SQLite
// transaction. The next page is fetched on a helper thread while the current one is applied.
// Records with local changes go through reconcile(); the rest take a fast path of two
// prepared upserts. Echoes of our own pushes (rev not newer than ours) are skipped.
//
// Threading: the engine thread; the fetch helper only touches the HttpClient, one at a time.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/entity.hpp"
#include "core/merge.hpp"
#include "core/sync_step.hpp"

namespace craftsync {

class SqliteConn;

struct PullProgress {
  std::int64_t pages = 0, records = 0, bytes = 0;
  std::int64_t start_rev = 0, cursor_rev = 0, head = 0;
};

struct PullStats {
  std::int64_t pulled = 0;   // changes applied locally
  std::int64_t skipped = 0;  // echoes and stale changes
  std::int64_t merged = 0, conflicts = 0;
  std::int64_t pages = 0, bytes = 0;
  bool resynced = false;
};

struct PullOptions {
  std::vector<Entity> entities;  // empty: all
  ConflictPolicy policy = ConflictPolicy::remote;
  int page_limit = 1000;
};

/// Remembers that the server has issued `rev` (a pulled cursor, a pushed change's rev), so that
/// a server whose head is later behind it is known to have been restored. In the caller's
/// transaction.
void note_rev_seen(SqliteConn& db, std::int64_t rev);

/// The cursor a pull of every entity starts from (the lowest of the entities' cursors).
std::string pull_cursor(SqliteConn& db);

/// `stats` accumulates page by page, so it is right even when a later page fails.
void pull_changes(const SyncStep& step, const PullOptions& options, PullStats& stats,
                  const std::function<void(const PullProgress&)>& progress);

}  // namespace craftsync
