#pragma once
// Helpers for tests of held pulls (GET /api/v1/changes?wait=S): a pull held on a thread of its
// own, waiting until the server says it holds N pulls, and reading one metric.
//
// Threading: a HeldPull's answer belongs to the thread that calls answer().

#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/http.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"

namespace craftsync::test {

/// The value of one sample of GET /metrics (name and labels as written), or -1.
inline double metric(HttpClient& admin, const std::string& series) {
  std::string text = "\n" + admin.get("/metrics").body;
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

/// Waits until the server holds `n` pulls (it says so in /metrics), at most 60 s.
inline void wait_until_held(HttpClient& admin, int n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (metric(admin, "craftsync_held_pulls") != n) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // between polls of the condition
  }
}

/// A pull held on a thread of its own, with its own client.
class HeldPull {
 public:
  HeldPull(const ServerProcess& server, std::int64_t after, int wait, std::string filter = "")
      : thread_([this, url = server.url(), key = server.admin_key(), after, wait, filter] {
          HttpClient http(url, key);
          answer_ = http.get("/api/v1/changes?after=" + std::to_string(after) +
                             "&wait=" + std::to_string(wait) + filter);
        }) {}
  HttpAnswer& answer() {
    if (thread_.joinable()) thread_.join();
    return answer_;
  }
  ~HeldPull() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  HttpAnswer answer_;
  std::thread thread_;
};

/// Creates a customer through the admin REST route; the stored record.
inline json created(HttpClient& admin, const std::string& name) {
  auto a = admin.post("/api/v1/customers", customer_data(name));
  REQUIRE(a.status == 201);
  return a.json();
}

}  // namespace craftsync::test
