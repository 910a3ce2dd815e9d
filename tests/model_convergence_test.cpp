// The model test in the suite: a few fixed seeds of the randomized multi-client run (see
// tests/support/model_sim.hpp) for each conflict policy, against the real server; with client
// kills and a faulty network in one of them. `scripts/soak` runs hundreds of seeds.

#include <catch2/catch.hpp>

#include "tests/support/cli_process.hpp"
#include "tests/support/model_sim.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using namespace craftsync::test;

namespace {

void run_seed(ConflictPolicy policy, std::uint64_t seed, bool faults) {
  ServerProcess server(server_args({"--quiet"}));
  ModelOptions o;
  o.seed = seed;
  o.policy = policy;
  o.server_url = server.url();
  o.api_key = server.admin_key();
  o.server_port = server.port();
  o.cli_binary = cli_binary();
  o.faults = o.kill_clients = faults;
  ModelResult r = run_model(o);
  INFO(describe(o, r));
  CHECK(r.syncs > 20);
  CHECK(r.conflicts > 0);  // the hot set makes clients collide; a run without it proves little
  REQUIRE(r.problems.empty());
  REQUIRE(r.converged);
}

}  // namespace

TEST_CASE("model: four clients converge under the remote policy", "[model][conflict]") {
  auto seed = GENERATE(as<std::uint64_t>{}, 11, 12);
  run_seed(ConflictPolicy::remote, seed, false);
}

TEST_CASE("model: four clients converge under the local policy", "[model][conflict]") {
  auto seed = GENERATE(as<std::uint64_t>{}, 21, 22);
  run_seed(ConflictPolicy::local, seed, false);
}

TEST_CASE("model: four clients converge under manual, every conflict resolved at random",
          "[model][conflict]") {
  auto seed = GENERATE(as<std::uint64_t>{}, 31, 32);
  run_seed(ConflictPolicy::manual, seed, false);
}

TEST_CASE("model: clients killed mid-sync, through a proxy that drops and cuts connections",
          "[model][conflict]") {
  auto policy = GENERATE(ConflictPolicy::remote, ConflictPolicy::manual);
  run_seed(policy, 41, true);
}
