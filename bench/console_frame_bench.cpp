// console_frame_bench: the console's frame CPU time while a 100k-record sync runs and the data
// inspector scrolls. The whole console UI (ConsoleUi) draws in a headless ImGui context on this
// thread, paced at 60 frames/s like a vsynced window; the real Worker pulls from the real
// server on loopback meanwhile. Reported: median, p99 and max of the UI thread's CPU time per
// frame (NewFrame .. Render, plus draining snapshots and sending commands), during the sync and
// then while browsing the finished 100k-row table. GPU submission is not included.
//
//   console_frame_bench [--customers N] [--rounds N] [--frames-after N]
// Numbers, never pass/fail.

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "app/console/console_ui.hpp"
#include "app/console/worker.hpp"
#include "core/clock.hpp"
#include "tests/support/headless_ui.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using namespace craftsync::console;

namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Summary {
  std::size_t frames = 0;
  double median = 0, p99 = 0, max = 0;
};

Summary summarize(std::vector<double> v) {
  Summary s;
  s.frames = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, static_cast<std::size_t>(static_cast<double>(v.size()) * 0.99))];
  s.max = v.back();
  return s;
}

void print(const char* what, const Summary& s) {
  std::printf("%-34s frames %5zu   median %6.3f ms   p99 %6.3f ms   max %6.3f ms\n", what, s.frames,
              s.median, s.p99, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  long customers = 36200;  // about 100k records with their quotes and orders
  int frames_after = 600, rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--customers"))
      customers = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--frames-after"))
      frames_after = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rounds"))
      rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  std::printf("seeding the server with %ld customers...\n", customers);
  test::ServerProcess server(
      test::server_args({"--seed-demo", std::to_string(customers), "--quiet"}));
  std::vector<double> during, after, wall_during;
  double max_poll_ms = 0;
  std::int64_t records = 0, customers_local = 0;
  // Each round pulls everything into a fresh client database while the UI scrolls; the last
  // round then keeps scrolling the finished table for `frames_after` frames.
  for (int round = 1; round <= rounds; ++round) {
    test::TempDir dir;
    WorkerOptions o;
    o.db_path = dir.file("client.db");
    o.remote.url = server.url();
    o.remote.api_key = server.admin_key();
    o.remote_view = {server.url(), server.admin_key(), "command line", ""};
    o.allow_launch_sync = true;  // the 100k pull starts at once
    Worker worker(o);
    test::HeadlessUi ui(false, 1280, 800);
    ConsoleUi console;
    SnapshotPtr snap = std::make_shared<const Snapshot>();
    bool sync_seen = false, sync_done = false;
    auto frame_period = std::chrono::microseconds(16667);
    auto next = std::chrono::steady_clock::now();
    auto started = std::chrono::steady_clock::now();
    float wheel = -4.0f;
    int wanted_after = round == rounds ? frames_after : 0;

    worker.start();
    for (int after_frames = 0; !sync_done || after_frames < wanted_after;) {
      auto wall0 = std::chrono::steady_clock::now();
      double cpu0 = thread_cpu_ms();
      if (SnapshotPtr s = worker.poll()) snap = std::move(s);
      max_poll_ms = std::max(max_poll_ms, thread_cpu_ms() - cpu0);

      // Scroll the inspector: the wheel over the table, turning round at either end.
      ImGuiIO& io = ImGui::GetIO();
      io.MousePos = ImVec2(600, 450);
      const DataInspector& in = console.inspector;
      std::int64_t rows = in.row_count(*snap);
      if (rows > 0 && in.visible_last >= rows - 1) wheel = 4.0f;
      if (in.visible_first == 0) wheel = -4.0f;
      io.MouseWheel = wheel;
      Commands commands;
      ui.frame([&] { console.draw(*snap, commands, unix_now_ms()); });
      worker.send_all(commands);
      double cpu = thread_cpu_ms() - cpu0;
      double wall =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall0)
              .count();

      if (snap->sync.running) {
        sync_seen = true;
        during.push_back(cpu);
        wall_during.push_back(wall);
      } else if (sync_seen && snap->loaded) {
        if (!sync_done) {
          sync_done = true;
          records = snap->status.records[0] + snap->status.records[1] + snap->status.records[2];
          customers_local = snap->status.records[0];
          std::printf(
              "round %d: sync finished after %.2f s, %lld records locally\n", round,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              static_cast<long long>(records));
        } else {
          after.push_back(cpu);
          ++after_frames;
        }
      }
      next += frame_period;
      std::this_thread::sleep_until(next);
      if (std::chrono::steady_clock::now() > next + frame_period)
        next = std::chrono::steady_clock::now();
    }
    worker.stop();
  }

  std::printf(
      "\nconsole frame CPU time (UI thread, headless ImGui, 1280x800, 60 frames/s pacing)\n");
  print("during the sync, inspector scrolling", summarize(during));
  print("  (wall time of the same frames)", summarize(wall_during));
  print("after it, scrolling 100k rows", summarize(after));
  std::printf("longest snapshot drain: %.3f ms\n", max_poll_ms);
  std::printf("rows in the table at the end: %lld customers, %lld records in all\n",
              static_cast<long long>(customers_local), static_cast<long long>(records));
  return 0;
}
