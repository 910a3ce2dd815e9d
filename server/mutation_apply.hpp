#pragma once
// The server's write rules, written once over the Storage interface so that every backend
// gets the same semantics: conflict detection by rev, validation, FK checks, server-owned
// fields, assigned numbers, and exactly-once push per device.

#include <vector>

#include "core/protocol.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

/// Applies one mutation inside `txn` and returns its verdict (never `retry`).
MutationResult apply_mutation(WriteTxn& txn, const Mutation& m);

/// Applies a push batch atomically: every verdict and the device's sequence commit together.
/// A mutation already processed for this device gets its recorded verdict back and changes
/// nothing. A transient storage failure answers `retry` for every mutation of the batch.
std::vector<MutationResult> apply_push(Storage& storage, const PushRequest& request);

}  // namespace craftsync::server
