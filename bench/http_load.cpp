// http_load: the server's HTTP core under many connections and one hostile body. Prints
// figures; never fails on timing. See docs/performance.md, "HTTP core under load".
//
//   http_load [--compare OLD_SERVER_BINARY] [--idle N] [--pushers N] [--pushes N]
//
// For each server binary (this build's, and --compare's when given, in one run):
//  1. N idle keep-alive connections are opened (each answered one /health, then stays open);
//  2. --pushers clients push batches of 10 new customers on their own connections while a
//     probe asks /health every 20 ms on a fresh connection: push and probe latencies;
//  3. 8 clients pull the whole change log (pages of 1000) with the idle connections still
//     open: records/s;
//  4. one client sends a 64 MiB chunked push body: the server's peak RSS against its idle RSS.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/uuid.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kMaxBody = 8u << 20;

struct Options {
  std::string compare;
  int idle = 1000, pushers = 50, pushes = 40;
};

struct Figures {
  int idle_open = 0;
  double push_p50 = 0, push_p99 = 0, push_max = 0, pushes_per_s = 0;
  int push_failed = 0;
  double health_p50 = 0, health_p99 = 0, health_max = 0;
  int health_failed = 0;
  double pulled_per_s = 0;
  long idle_rss_kb = 0, peak_rss_kb = 0;
  int hostile_status = 0;
};

const std::string kKey = "Authorization: Bearer bench-admin-key\r\n";

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

std::string post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: b\r\n" + kKey +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string push_body(const std::string& device, int seq) {
  json muts = json::array();
  for (int i = 0; i < 10; ++i)
    muts.push_back({{"seq", seq * 10 + i},
                    {"entity", "customers"},
                    {"id", new_uuid_v7()},
                    {"op", "upsert"},
                    {"base_rev", nullptr},
                    {"data", {{"name", "Load " + std::to_string(seq)}}}});
  return json{{"device_id", device}, {"mutations", muts}}.dump();
}

Figures measure(const std::string& binary, const Options& o) {
  ServerOptions so;
  so.binary = binary;
  so.api_key = "bench-admin-key-0123";
  so.extra_args = {"--seed-demo", "2000", "--threads", "40", "--quiet"};
  ServerProcess server(so);
  Figures f;

  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < o.idle; ++i) {
    try {
      auto c = std::make_unique<RawConnection>(server.port());
      c->send("GET /api/v1/health HTTP/1.1\r\nHost: b\r\n\r\n");
      if (c->read_answer(2s)) ++f.idle_open;
      idle.push_back(std::move(c));
    } catch (const std::exception&) {
    }
  }

  std::atomic<bool> pushing{true};
  std::vector<double> health;
  std::thread probe([&] {
    while (pushing) {
      auto t = Clock::now();
      try {
        RawConnection c(server.port());
        c.send("GET /api/v1/health HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
        auto a = c.read_answer(5s);
        if (a && a->status == 200)
          health.push_back(ms_since(t));
        else
          ++f.health_failed;
      } catch (const std::exception&) {
        ++f.health_failed;
      }
      std::this_thread::sleep_for(20ms);  // the probe's pace, not a wait for a condition
    }
  });
  std::vector<std::vector<double>> push_ms(static_cast<std::size_t>(o.pushers));
  std::atomic<int> push_failed{0};
  std::vector<std::thread> pushers;
  auto push_start = Clock::now();
  for (int p = 0; p < o.pushers; ++p)
    pushers.emplace_back([&, p] {
      std::string device = "load-" + std::to_string(p) + "-" + new_uuid_v7();
      std::unique_ptr<RawConnection> c;
      for (int i = 1; i <= o.pushes; ++i) {
        auto t = Clock::now();
        try {
          if (!c) c = std::make_unique<RawConnection>(server.port());
          bool sent = c->send(post("/api/v1/push", push_body(device, i)));
          auto a = sent ? c->read_answer(30s) : std::nullopt;
          if (a && a->status == 200) {
            push_ms[static_cast<std::size_t>(p)].push_back(ms_since(t));
            continue;
          }
        } catch (const std::exception&) {
        }
        ++push_failed;
        c.reset();
      }
    });
  for (auto& t : pushers) t.join();
  double push_s = ms_since(push_start) / 1000.0;
  pushing = false;
  probe.join();
  std::vector<double> all;
  for (auto& v : push_ms) all.insert(all.end(), v.begin(), v.end());
  f.push_p50 = percentile(all, 0.5);
  f.push_p99 = percentile(all, 0.99);
  f.push_max = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  f.push_failed = push_failed;
  f.pushes_per_s = static_cast<double>(all.size()) / push_s;
  f.health_p50 = percentile(health, 0.5);
  f.health_p99 = percentile(health, 0.99);
  f.health_max = health.empty() ? 0 : *std::max_element(health.begin(), health.end());

  std::atomic<std::int64_t> pulled{0};
  auto pull_start = Clock::now();
  std::vector<std::thread> pullers;
  for (int p = 0; p < 8; ++p)
    pullers.emplace_back([&] {
      try {
        RawConnection c(server.port());
        std::string cursor = "0";
        for (;;) {
          c.send("GET /api/v1/changes?after=" + cursor + "&limit=1000 HTTP/1.1\r\nHost: b\r\n" +
                 kKey + "\r\n");
          auto a = c.read_answer(30s);
          if (!a || a->status != 200) return;
          json page = json::parse(a->body);
          pulled += static_cast<std::int64_t>(page["changes"].size());
          cursor = page["next"].get<std::string>();
          if (!page["has_more"].get<bool>()) return;
        }
      } catch (const std::exception&) {
      }
    });
  for (auto& t : pullers) t.join();
  f.pulled_per_s = static_cast<double>(pulled) / (ms_since(pull_start) / 1000.0);

  idle.clear();
  f.idle_rss_kb = rss_kb(server.pid());
  std::atomic<bool> sending{true};
  std::thread hostile([&] {
    try {
      RawConnection c(server.port());
      c.send("POST /api/v1/push HTTP/1.1\r\nHost: b\r\n" + kKey +
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      std::string chunk = "100000\r\n" + std::string(0x100000, 'x') + "\r\n";  // 1 MiB
      bool open = true;
      for (int i = 0; i < 64 && open; ++i) open = c.send(chunk);
      if (open) c.send("0\r\n\r\n");
      if (auto a = c.read_answer(30s)) f.hostile_status = a->status;
    } catch (const std::exception&) {
    }
    sending = false;
  });
  while (sending) {
    f.peak_rss_kb = std::max(f.peak_rss_kb, rss_kb(server.pid()));
    std::this_thread::sleep_for(5ms);  // sampling rate
  }
  hostile.join();
  f.peak_rss_kb = std::max(f.peak_rss_kb, rss_kb(server.pid()));
  return f;
}

void print(const char* label, const Figures& f, const Options& o) {
  std::printf("%s\n", label);
  std::printf("  idle keep-alive connections open     %d of %d\n", f.idle_open, o.idle);
  std::printf("  push latency ms p50 / p99 / max      %.1f / %.1f / %.1f  (%d failed)\n",
              f.push_p50, f.push_p99, f.push_max, f.push_failed);
  std::printf("  pushes/s (10 mutations each)         %.0f\n", f.pushes_per_s);
  std::printf("  /health latency ms p50 / p99 / max   %.1f / %.1f / %.1f  (%d failed)\n",
              f.health_p50, f.health_p99, f.health_max, f.health_failed);
  std::printf("  pull, 8 clients, records/s           %.0f\n", f.pulled_per_s);
  double bound_kb = 1.2 * static_cast<double>(f.idle_rss_kb) + kMaxBody / 1024.0;
  std::printf("  64 MiB chunked body: status %d, RSS idle %ld MB, peak %ld MB (bound %.0f MB)\n",
              f.hostile_status, f.idle_rss_kb / 1024, f.peak_rss_kb / 1024, bound_kb / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--compare")
      o.compare = argv[i + 1];
    else if (a == "--idle")
      o.idle = std::stoi(argv[i + 1]);
    else if (a == "--pushers")
      o.pushers = std::stoi(argv[i + 1]);
    else if (a == "--pushes")
      o.pushes = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: http_load [--compare BIN] [--idle N] [--pushers N] [--pushes N]\n");
      return 2;
    }
  }
  try {
    std::printf(
        "%d idle keep-alive connections, %d pushers x %d pushes of 10, server --threads 40\n",
        o.idle, o.pushers, o.pushes);
    print("this build", measure(server_binary(), o), o);
    if (!o.compare.empty()) print(o.compare.c_str(), measure(o.compare, o), o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_load: %s\n", e.what());
    return 1;
  }
  return 0;
}
