// server_throughput: pushes/s and pulled records/s of the real craftsync-server on loopback,
// for 1, 8 and 32 concurrent clients, on SQLite and on PostgreSQL. Prints a table; never fails
// on timing. See docs/performance.md, "Server throughput".
//
//   server_throughput [--pg-url URL] [--compare OLD_SERVER] [--instances LIST] [--seed N]
//                     [--batches N] [--batch-size N] [--warmup N] [--clients LIST]
//                     [--backend NAME] [--rounds N]
//
// --clients lists client counts (default "1,8,32"); --backend measures one backend only
// (sqlite, postgresql or async-commit; default all).
//
// --pg-url (or CRAFTSYNC_BENCH_PG_URL, or CRAFTSYNC_TEST_PG_URL) names a cluster where the
// benchmark may create databases; without one only SQLite is measured. PostgreSQL runs twice:
// as configured, and with synchronous_commit=off (closer to SQLite's WAL + synchronous=NORMAL,
// which does not fsync every commit).
//
// Each run gets a fresh database seeded with --seed demo customers (about 2.5 records each),
// then: push phase, every client pushing its share of --batches batches of --batch-size new
// customers (after --warmup untimed batches each); pull phase, every client pulling the whole
// change log from cursor 0 in pages of 1000. The counts are fixed, so every loop is bounded.
//
// --compare names an older craftsync-server binary: each line then runs on both binaries, one
// after the other, so that both are measured in the same run on the same machine state.
// --rounds N (default 1) measures each line N times, the two binaries' order swapped every
// round (on this machine the second of two identical servers read ~9% faster), and prints the
// median of the rounds' new/old ratios in mutations/s.
//
// --instances lists instance counts (default "1"; e.g. "1,2"): each PostgreSQL line then runs
// once per count, with that many craftsync-server processes on the one database and the
// clients spread over them round-robin (client c talks to instance c % N), as a load balancer
// would. SQLite lines always run one instance.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/uuid.hpp"
#include "tests/support/http.hpp"
#include "tests/support/pg_session.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string pg_url;
  std::string compare;  // an older server binary to measure next to this build's
  int seed = 5000;
  int batches = 1920;  // divisible by 1, 8 and 32
  int warmup = 2;      // untimed batches per client first
  int batch_size = 10;
  int server_threads = 40;  // more than the most clients, so keep-alive never starves a client
  std::vector<int> instances = {1};
  std::vector<int> clients = {1, 8, 32};
  std::string backend = "all";  // or one backend's label: sqlite, postgresql, async-commit
  int rounds = 1;               // each line this often, the binaries' order swapped each round
};

struct Backend {
  std::string label;
  std::string admin_url;    // empty for SQLite
  std::string url_options;  // appended to a PostgreSQL URL
};

struct Result {
  double push_requests_per_s = 0, mutations_per_s = 0, pulled_per_s = 0;
  std::int64_t log_size = 0;
  int failures = 0;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// A fresh database for one run: a SQLite file, or a new PostgreSQL database dropped after.
class RunDatabase {
 public:
  explicit RunDatabase(const Backend& b) : admin_(b.admin_url) {
    if (admin_.empty()) {
      location_ = dir_.file("bench.db");
      return;
    }
    static int counter = 0;
    name_ = "cs_bench_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    test::PgSession(admin_).exec("CREATE DATABASE " + name_);
    location_ = test::url_with_database(admin_, name_) + b.url_options;
  }
  ~RunDatabase() {
    if (name_.empty()) return;
    try {
      test::PgSession(admin_).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  const std::string& location() const { return location_; }

 private:
  test::TempDir dir_;
  std::string admin_, name_, location_;
};

Result measure(const Backend& backend, int clients, int instances, const Options& o,
               const std::string& binary) {
  RunDatabase db(backend);
  std::vector<std::unique_ptr<test::ServerProcess>> servers;
  for (int i = 0; i < instances; ++i) {
    std::vector<std::string> args = {"--quiet", "--threads", std::to_string(o.server_threads)};
    if (i == 0) args.insert(args.end(), {"--seed-demo", std::to_string(o.seed)});
    test::ServerOptions so =
        test::server_on(db.location(), "bench-admin-key-0123", std::move(args));
    so.binary = binary;
    servers.push_back(std::make_unique<test::ServerProcess>(std::move(so)));
  }
  auto server_for = [&](int c) -> const test::ServerProcess& {
    return *servers[static_cast<std::size_t>(c % instances)];
  };
  const test::ServerProcess& server = *servers.front();
  Result r;
  std::atomic<int> failures{0};

  // Push phase: each client creates its share of the batches, one request per batch, after
  // --warmup batches of its own that are not timed (they open the server's database
  // connections, which prepare their statements once).
  const int per_client = o.batches / clients;
  Clock::time_point start;
  {
    std::barrier ready(clients + 1);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        test::HttpClient http(server_for(c).url(), server.admin_key());
        std::int64_t seq = 0;
        for (int b = -o.warmup; b < per_client; ++b) {
          if (b == 0) ready.arrive_and_wait();
          json mutations = json::array();
          for (int i = 0; i < o.batch_size; ++i)
            mutations.push_back(
                {{"seq", ++seq},
                 {"entity", "customers"},
                 {"id", new_uuid_v7()},
                 {"op", "upsert"},
                 {"base_rev", nullptr},
                 {"data", {{"name", "Bench " + std::to_string(c)}, {"city", "Portland"}}}});
          auto a = http.post("/api/v1/push", {{"device_id", "bench-" + std::to_string(c)},
                                              {"mutations", std::move(mutations)}});
          bool ok = a.status == 200;
          if (ok)
            for (const auto& v : a.json()["results"]) ok = ok && v["status"] == "applied";
          if (!ok) ++failures;
        }
      });
    }
    ready.arrive_and_wait();
    start = Clock::now();
    for (auto& t : threads) t.join();
  }
  double push_s = seconds_since(start);
  r.push_requests_per_s = per_client * clients / push_s;
  r.mutations_per_s = per_client * clients * o.batch_size / push_s;

  // Pull phase: each client reads the whole log, as an initial sync does.
  test::HttpClient probe(server.url(), server.admin_key());
  r.log_size = probe.get("/api/v1/session").json()["head"];
  std::atomic<std::int64_t> pulled{0};
  start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        test::HttpClient http(server_for(c).url(), server.admin_key());
        std::string cursor = "0";
        for (std::int64_t pages = 0; pages <= r.log_size / 1000 + 1; ++pages) {
          auto a = http.get("/api/v1/changes?after=" + cursor + "&limit=1000");
          if (a.status != 200) {
            ++failures;
            return;
          }
          auto page = json::parse(a.body);
          pulled += static_cast<std::int64_t>(page["changes"].size());
          cursor = page["next"].get<std::string>();
          if (!page["has_more"].get<bool>()) return;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  r.pulled_per_s = static_cast<double>(pulled) / seconds_since(start);
  if (pulled != r.log_size * clients) ++failures;
  r.failures = failures;
  return r;
}

/// "1,8,32" as numbers of 1 or more.
std::vector<int> counts(const std::string& flag, const std::string& value) {
  std::vector<int> out;
  for (std::size_t at = 0; at <= value.size();) {
    std::size_t comma = std::min(value.find(',', at), value.size());
    std::string count = value.substr(at, comma - at);
    if (count.empty() || count.find_first_not_of("0123456789") != std::string::npos ||
        count.size() > 3 || std::stoi(count) < 1)
      throw std::runtime_error(flag + " wants counts of 1 or more, like 1,2 (got '" + value + "')");
    out.push_back(std::stoi(count));
    at = comma + 1;
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (const char* env : {"CRAFTSYNC_BENCH_PG_URL", "CRAFTSYNC_TEST_PG_URL"})
    if (o.pg_url.empty() && std::getenv(env)) o.pg_url = std::getenv(env);
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--pg-url")
      o.pg_url = value;
    else if (flag == "--compare")
      o.compare = value;
    else if (flag == "--seed")
      o.seed = std::stoi(value);
    else if (flag == "--batches")
      o.batches = std::stoi(value);
    else if (flag == "--warmup")
      o.warmup = std::stoi(value);
    else if (flag == "--rounds") {
      std::vector<int> n = counts(flag, value);
      if (n.size() != 1) throw std::runtime_error("--rounds wants one count (got '" + value + "')");
      o.rounds = n.front();
    } else if (flag == "--batch-size")
      o.batch_size = std::stoi(value);
    else if (flag == "--instances")
      o.instances = counts(flag, value);
    else if (flag == "--clients")
      o.clients = counts(flag, value);
    else if (flag == "--backend") {
      if (value != "all" && value != "sqlite" && value != "postgresql" && value != "async-commit")
        throw std::runtime_error("--backend wants all, sqlite, postgresql or async-commit");
      o.backend = value;
    } else
      throw std::runtime_error("unknown option " + flag);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse(argc, argv);
    std::vector<Backend> backends = {{"sqlite", "", ""}};
    if (!o.pg_url.empty()) {
      test::PgSession s(o.pg_url);
      std::printf("postgresql: %s, fsync=%s, synchronous_commit=%s\n",
                  s.exec("SHOW server_version").c_str(), s.exec("SHOW fsync").c_str(),
                  s.exec("SHOW synchronous_commit").c_str());
      char sep = o.pg_url.find('?') == std::string::npos ? '?' : '&';
      backends.push_back({"postgresql", o.pg_url, ""});
      backends.push_back({"postgresql async-commit", o.pg_url,
                          std::string(1, sep) + "options=-c%20synchronous_commit%3Doff"});
    } else {
      std::printf("no PostgreSQL URL (--pg-url or CRAFTSYNC_BENCH_PG_URL): SQLite only\n");
    }
    std::printf(
        "%u hardware threads; seed %d customers; %d push batches of %d (after %d untimed per "
        "client); server --threads %d\n\n",
        std::thread::hardware_concurrency(), o.seed, o.batches, o.batch_size, o.warmup,
        o.server_threads);
    std::vector<std::pair<std::string, std::string>> servers = {{"new", test::server_binary()}};
    if (!o.compare.empty()) {
      std::printf("old: %s\n", o.compare.c_str());
      servers.push_back({"old", o.compare});
    }
    std::printf("%-24s %6s %5s %7s %11s %12s %15s %9s %8s\n", "backend", "server", "inst",
                "clients", "pushes/s", "mutations/s", "pulled recs/s", "log size", "failures");
    for (const Backend& b : backends) {
      bool wanted =
          o.backend == "all" || b.label == o.backend || b.label == "postgresql " + o.backend;
      if (!wanted) continue;
      std::vector<int> counts = b.admin_url.empty() ? std::vector<int>{1} : o.instances;
      for (int clients : o.clients) {
        for (int instances : counts) {
          if (instances > clients) continue;  // an instance without clients measures nothing
          std::vector<double> ratios;
          for (int round = 0; round < o.rounds; ++round) {
            std::map<std::string, double> rate;
            for (std::size_t k = 0; k < servers.size(); ++k) {
              const auto& [label, binary] = servers[round % 2 ? servers.size() - 1 - k : k];
              Result r = measure(b, clients, instances, o, binary);
              rate[label] = r.mutations_per_s;
              std::printf("%-24s %6s %5d %7d %11.0f %12.0f %15.0f %9lld %8d\n", b.label.c_str(),
                          label.c_str(), instances, clients, r.push_requests_per_s,
                          r.mutations_per_s, r.pulled_per_s, static_cast<long long>(r.log_size),
                          r.failures);
              std::fflush(stdout);
            }
            if (rate.count("old") && rate["old"] > 0) ratios.push_back(rate["new"] / rate["old"]);
          }
          if (ratios.size() > 1) {
            std::sort(ratios.begin(), ratios.end());
            std::string all;
            for (double x : ratios)
              all += (all.empty() ? "" : " ") + std::to_string(x).substr(0, 4);
            double mid = ratios.size() % 2
                             ? ratios[ratios.size() / 2]
                             : (ratios[ratios.size() / 2 - 1] + ratios[ratios.size() / 2]) / 2;
            std::printf("%-24s  new/old mutations/s, median of %zu rounds: %.2f  (%s)\n",
                        b.label.c_str(), ratios.size(), mid, all.c_str());
            std::fflush(stdout);
          }
        }
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "server_throughput: %s\n", e.what());
    return 1;
  }
}
