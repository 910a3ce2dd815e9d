// convergence_soak: the randomized model run (tests/support/model_sim.hpp) over many seeds and
// the three conflict policies, against a real server, optionally with clients killed mid-sync
// and a proxy that drops and cuts connections. Prints `runs, converged, diverged, seconds` per
// policy; on a divergence, the seed and a replayable log. scripts/soak wraps it.

#include <chrono>
#include <cstdio>
#include <fstream>

#include <CLI/CLI.hpp>

#include "tests/support/model_sim.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;

int main(int argc, char** argv) {
  CLI::App app{"convergence_soak: many seeded multi-client runs; every client must converge"};
  int seeds = 20, first = 1, steps = 160, clients = 4;
  std::string policy = "all", pg_url, log_dir = ".";
  bool faults = false, kills = false, verbose = false;
  app.add_option("--seeds", seeds, "runs per policy")->check(CLI::Range(1, 100000));
  app.add_option("--first-seed", first, "the first seed (then +1 per run)");
  app.add_option("--policy", policy, "remote, local, manual or all")
      ->check(CLI::IsMember({"remote", "local", "manual", "all"}));
  app.add_option("--steps", steps, "random operations per run")->check(CLI::Range(10, 100000));
  app.add_option("--clients", clients, "clients at the start")->check(CLI::Range(2, 16));
  app.add_flag("--faults", faults, "relay clients through a proxy that drops and cuts connections");
  app.add_flag("--kill", kills, "run some syncs as CLI processes and kill -9 them at random");
  app.add_option("--pg-url", pg_url,
                 "run on PostgreSQL: a cluster URL where test databases may be created");
  app.add_option("--log-dir", log_dir, "where a diverged run's log is written");
  app.add_flag("--verbose", verbose, "print every run's log");
  CLI11_PARSE(app, argc, argv);
  if (!pg_url.empty()) {
    setenv("CRAFTSYNC_TEST_BACKEND", "postgres", 1);
    setenv("CRAFTSYNC_TEST_PG_URL", pg_url.c_str(), 1);
  }

  std::vector<ConflictPolicy> policies;
  if (policy == "all")
    policies = {ConflictPolicy::remote, ConflictPolicy::local, ConflictPolicy::manual};
  else
    policies = {*parse_policy(policy)};

  std::printf("backend %s, %d seeds per policy from %d, %d steps, %d clients%s%s\n",
              pg_url.empty() ? "sqlite" : "postgresql", seeds, first, steps, clients,
              faults ? ", faults" : "", kills ? ", kill -9" : "");
  std::printf("%-8s %6s %10s %9s %9s  %s\n", "policy", "runs", "converged", "diverged", "seconds",
              "syncs/conflicts/forks/kills");
  int total_diverged = 0;
  for (ConflictPolicy p : policies) {
    int converged = 0, diverged = 0;
    std::int64_t syncs = 0, conflicts = 0, forks = 0, killed = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < seeds; ++i) {
      ServerProcess server(server_args({"--quiet"}));
      ModelOptions o;
      o.seed = static_cast<std::uint64_t>(first + i);
      o.policy = p;
      o.steps = steps;
      o.clients = clients;
      o.max_clients = clients + 2;
      o.faults = faults;
      o.kill_clients = kills;
      o.server_url = server.url();
      o.api_key = server.admin_key();
      o.server_port = server.port();
      o.cli_binary = CRAFTSYNC_CLI_BIN;
      o.keep_dir = log_dir + "/soak-" + std::string(policy_name(p)) + "-seed-" +
                   std::to_string(o.seed) + "-databases";
      ModelResult r = run_model(o);
      syncs += r.syncs;
      conflicts += r.conflicts;
      forks += r.forks;
      killed += r.kills;
      if (verbose) std::printf("%s\n", describe(o, r).c_str());
      if (r.converged) {
        ++converged;
        continue;
      }
      ++diverged;
      std::string path = log_dir + "/soak-" + std::string(policy_name(p)) + "-seed-" +
                         std::to_string(o.seed) + ".log";
      std::ofstream(path) << describe(o, r);
      std::printf(
          "DIVERGED: policy %s seed %llu (replay: --policy %s --first-seed %llu --seeds 1"
          "%s%s); log in %s\n",
          std::string(policy_name(p)).c_str(), static_cast<unsigned long long>(o.seed),
          std::string(policy_name(p)).c_str(), static_cast<unsigned long long>(o.seed),
          faults ? " --faults" : "", kills ? " --kill" : "", path.c_str());
      for (std::size_t k = 0; k < r.problems.size() && k < 5; ++k)
        std::printf("  %s\n", r.problems[k].c_str());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-8s %6d %10d %9d %9.1f  %lld/%lld/%lld/%lld\n",
                std::string(policy_name(p)).c_str(), seeds, converged, diverged, secs,
                static_cast<long long>(syncs), static_cast<long long>(conflicts),
                static_cast<long long>(forks), static_cast<long long>(killed));
    std::fflush(stdout);
    total_diverged += diverged;
  }
  return total_diverged == 0 ? 0 : 1;
}
