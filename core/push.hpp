#pragma once
// Push: sends the outbox in foreign-key order (customers, then quotes, then orders) in
// batches, and handles each verdict: applied (rev and server numbers recorded), conflict
// (merged through reconcile), rejected (kept with its field errors; blocks only itself and
// its children; a refused delete is put back from the server's row), retry (sent again) and
// device_forked (this database is a restored or copied one: it takes a new device id and the
// refused entries go again under it). Entries are marked in flight before they are sent and
// resent unchanged until a verdict arrives, so a crash or a lost answer never applies twice.
//
// Threading: the engine thread only.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/entity.hpp"
#include "core/merge.hpp"
#include "core/sync_step.hpp"

namespace craftsync {

struct PushStats {
  std::int64_t pushed = 0;  // applied verdicts
  std::int64_t conflicts = 0, merged = 0, rejected = 0, retried = 0;
  std::int64_t held = 0;        // entries not sent because they (or a parent) are blocked
  std::int64_t forks = 0;       // times this database took a new device id (restored or copied)
  std::int64_t overlapped = 0;  // batches sent while the last batch's verdicts were applied
  std::vector<std::string> notices;  // one line each, for the activity log
};

struct PushOptions {
  std::vector<Entity> entities;  // empty: all
  ConflictPolicy policy = ConflictPolicy::remote;
  int batch_size = 500;
  int max_rounds = 20;  // bounds conflict/retry loops within one run
};

/// Sends entries already in flight (a previous run's unanswered batch) before anything else.
/// `stats` accumulates as batches complete, so it is right even when a later batch throws.
void recover_inflight(const SyncStep& step, const PushOptions& options, PushStats& stats);

void push_outbox(const SyncStep& step, const PushOptions& options, PushStats& stats,
                 const std::function<void(const PushStats&)>& progress);

}  // namespace craftsync
