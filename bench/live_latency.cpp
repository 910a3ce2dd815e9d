// live_latency: from an admin REST write on the server to the row committed in live clients'
// SQLite databases. Prints figures; never fails on timing. See docs/performance.md, "Live sync".
//
//   live_latency [--writes N] [--clients N] [--pg-url URL]
//
// Each client is a real engine on its own SQLite file, in live mode as `craftsync watch --live`
// runs it: a held pull (wait=25), then a sync when it answers. One writer renames one customer
// N times through PUT /api/v1/customers/{id}, each time after every client has the previous
// name, and stamps each write when it sends it. A client stamps a name when the sync that
// pulled it has committed. Latency is the difference, over every (write, client) pair.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sqlite_db.hpp"
#include "core/sync_engine.hpp"
#include "tests/support/http.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int writes = 200, clients = 1;
  std::string pg_url;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--writes") o.writes = std::stoi(argv[i + 1]);
    if (a == "--clients") o.clients = std::stoi(argv[i + 1]);
    if (a == "--pg-url") o.pg_url = argv[i + 1];
  }
  return o;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

/// What every client has seen: for write i, when each client committed it.
struct Arrivals {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<Clock::time_point>> at;  // [write][client]
  std::vector<int> count;                          // clients that have write i
  std::atomic<bool> stop{false};
  std::atomic<long> syncs{0}, failures{0};
};

void live_client(int index, const std::string& db, const RemoteConfig& remote,
                 const std::string& id, Arrivals& arrivals, std::atomic<int>& ready) {
  SyncEngine engine(db);
  engine.set_remote(remote);
  CancelToken cancel;
  SyncOptions o;
  o.trigger = "watch";
  engine.sync(o, nullptr, cancel);
  ++ready;
  auto stamp = [&] {
    auto st = engine.db().prepare("SELECT name FROM customers WHERE id = ?1");
    st.bind(1, id);
    if (!st.step()) return;
    std::string name = st.text_at(0);
    if (name.size() < 2 || name[0] != 'w' || !std::isdigit(static_cast<unsigned char>(name[1])))
      return;
    int i = std::stoi(name.substr(1));
    auto now = Clock::now();
    std::lock_guard lock(arrivals.mu);
    if (i < 0 || i >= static_cast<int>(arrivals.at.size())) return;
    if (arrivals.at[i][index] != Clock::time_point{}) return;
    arrivals.at[i][index] = now;
    if (++arrivals.count[i] == static_cast<int>(arrivals.at[i].size())) arrivals.cv.notify_all();
  };
  while (!arrivals.stop) {
    try {
      if (!engine.wait_for_remote_change(5, cancel)) continue;
      SyncReport r = engine.sync(o, nullptr, cancel);
      ++arrivals.syncs;
      if (!r.ok) ++arrivals.failures;
      stamp();
    } catch (const std::exception&) {
      ++arrivals.failures;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse(argc, argv);
  TempDir dir;
  ServerOptions so = server_args({"--quiet", "--threads", "16"});
  if (!opt.pg_url.empty())
    so = server_on(opt.pg_url, "test-admin-key-0123", {"--quiet", "--threads", "16"});
  ServerProcess server(so);
  test::HttpClient admin(server.url(), server.admin_key());
  auto made = admin.post("/api/v1/customers", json{{"name", "w-start"}});
  if (made.status != 201) {
    std::fprintf(stderr, "live_latency: cannot create the record: %s\n", made.body.c_str());
    return 2;
  }
  std::string id = made.json()["id"];

  RemoteConfig remote;
  remote.url = server.url();
  remote.api_key = server.admin_key();
  Arrivals arrivals;
  arrivals.at.assign(opt.writes, std::vector<Clock::time_point>(opt.clients));
  arrivals.count.assign(opt.writes, 0);
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < opt.clients; ++c)
    clients.emplace_back(live_client, c, dir.file("client" + std::to_string(c) + ".db"), remote, id,
                         std::ref(arrivals), std::ref(ready));
  while (ready < opt.clients) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Every client holds its pull before the first write.
  for (;;) {
    std::string m = admin.get("/metrics").body;
    auto at = m.find("\ncraftsync_held_pulls ");
    if (at != std::string::npos && std::stoi(m.substr(at + 22)) >= opt.clients) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  std::vector<Clock::time_point> sent(opt.writes);
  int complete = 0;
  auto started = Clock::now();
  for (int i = 0; i < opt.writes; ++i) {
    sent[i] = Clock::now();
    auto put = admin.request("PUT", "/api/v1/customers/" + id,
                             json{{"name", "w" + std::to_string(i)}}.dump());
    if (put.status != 200) {
      std::fprintf(stderr, "live_latency: write %d failed: %ld %s\n", i, put.status,
                   put.body.c_str());
      break;
    }
    std::unique_lock lock(arrivals.mu);
    bool all = arrivals.cv.wait_for(lock, std::chrono::seconds(30),
                                    [&] { return arrivals.count[i] == opt.clients; });
    if (!all) {
      std::fprintf(stderr, "live_latency: write %d reached %d of %d clients in 30 s\n", i,
                   arrivals.count[i], opt.clients);
      break;
    }
    ++complete;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  arrivals.stop = true;
  for (auto& t : clients) t.join();

  std::vector<double> each, last;
  long delivered = 0;
  for (int i = 0; i < complete; ++i) {
    double slowest = 0;
    for (int c = 0; c < opt.clients; ++c) {
      double ms = std::chrono::duration<double, std::milli>(arrivals.at[i][c] - sent[i]).count();
      each.push_back(ms);
      slowest = std::max(slowest, ms);
      ++delivered;
    }
    last.push_back(slowest);
  }
  std::printf(
      "live_latency: backend %s, %d live client(s), %d of %d writes reached every client "
      "(%ld deliveries, %ld syncs, %ld failed) in %.1f s\n",
      opt.pg_url.empty() ? "sqlite" : "postgresql", opt.clients, complete, opt.writes, delivered,
      arrivals.syncs.load(), arrivals.failures.load(), seconds);
  std::printf("  write -> committed in a client: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              percentile(each, 0.50), percentile(each, 0.99), percentile(each, 1.0));
  if (opt.clients > 1)
    std::printf("  write -> committed in the last client: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                percentile(last, 0.50), percentile(last, 0.99), percentile(last, 1.0));
  return complete == opt.writes ? 0 : 1;
}
