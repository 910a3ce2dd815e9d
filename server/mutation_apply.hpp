#pragma once
// The server's write rules, written once over the Storage interface so that every backend
// gets the same semantics: conflict detection by rev, validation, FK checks, server-owned
// fields, assigned numbers, and exactly-once push per device.
//
// Threading: free functions with no state of their own. Many request threads call them at
// once, each with its own storage transaction; the Storage backend provides the isolation.

#include <vector>

#include "core/protocol.hpp"
#include "server/storage.hpp"

namespace craftsync::server {

/// Applies one mutation inside `txn` and returns its verdict (never `retry`).
MutationResult apply_mutation(WriteTxn& txn, const Mutation& m);

/// The fingerprint of a mutation: SHA-256 (hex) of its canonical JSON form
/// [entity, id, op, base_rev, data], with `data` as the client sent it (keys sorted).
std::string mutation_fingerprint(const Mutation& m);

/// A verdict as the device_results table records it: its JSON text, without the server row
/// (a replay reads the current one).
std::string stored_verdict_json(const MutationResult& r);

/// `prefix` and `n` with at least six digits: numbered("Q-2026-", 42) is "Q-2026-000042".
std::string numbered(const std::string& prefix, std::int64_t n);

/// Applies a push batch atomically: every verdict and the device's sequence commit together.
/// A mutation already processed for this device with the same fingerprint gets its recorded
/// verdict back and changes nothing; one whose (device, seq) was recorded for different content
/// gets `device_forked` and changes nothing. A transient storage failure answers `retry` for
/// every mutation of the batch.
PushResponse apply_push(Storage& storage, const PushRequest& request);

}  // namespace craftsync::server
