#pragma once
// The randomized model test: several real clients (engines on their own SQLite files, and the
// real CLI for syncs that get killed) work on a small hot set of shared records against one
// real server, in a seeded random order, through a fault-injecting proxy if asked. After
// settling syncs every client must equal the server row for row, and no value a client held
// back for the server may be lost without a trace in its conflict history.
//
// Used by the suite (a few fixed seeds) and by bench/convergence_soak (hundreds of seeds).
// Threading: run_model is self-contained; call it from one thread per run.

#include <cstdint>
#include <string>
#include <vector>

#include "core/merge.hpp"
#include "tests/support/fault_proxy.hpp"

namespace craftsync::test {

struct ModelOptions {
  std::uint64_t seed = 1;
  ConflictPolicy policy = ConflictPolicy::remote;
  int clients = 4;      // at the start
  int max_clients = 6;  // copies of a client database join as new clients, up to this
  int steps = 160;
  int hot_customers = 5;      // the shared records most operations work on
  bool restores = true;       // clients put back from their own backups, and copied
  bool partial_syncs = true;  // some syncs push or pull only, or one entity only
  bool admin_edits = true;    // an admin edits hot records through the REST API
  bool faults = false;        // clients talk to the server through a FaultProxy
  bool kill_clients = false;  // some syncs run as `craftsync sync` processes killed at random
  std::string server_url, api_key;
  int server_port = 0;
  std::string cli_binary;  // for kill_clients
  std::string keep_dir;    // when set, a diverged run leaves its client databases here
};

struct ModelResult {
  bool converged = false;
  std::vector<std::string> problems;  // divergence, loss, or an unexpected error
  std::vector<std::string> log;       // one line per step; the seed replays the same choices
  std::int64_t ops = 0, syncs = 0, failed_syncs = 0, conflicts = 0, resolutions = 0, forks = 0,
               kills = 0, restores = 0, clones = 0, settle_rounds = 0;
  FaultCounts faults;
};

ModelResult run_model(const ModelOptions& options);

/// The log of a run as text, with its summary first.
std::string describe(const ModelOptions& options, const ModelResult& result);

}  // namespace craftsync::test
