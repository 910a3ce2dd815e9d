// Many writers and readers at once: gap-free pulls and unique server numbers.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync::test;
using craftsync::new_uuid_v7;

TEST_CASE("concurrent quote creates get unique, non-empty numbers", "[concurrency]") {
  ServerProcess server(server_args({"--quiet"}));
  HttpClient setup(server.url(), server.admin_key());
  std::string c = new_uuid_v7();
  REQUIRE(push(setup, "dev-setup",
               json::array({upsert(1, "customers", c, std::nullopt, customer_data("Shared"))}))
              .json()["results"][0]["status"] == "applied");

  constexpr int kThreads = 6, kBatches = 6, kPerBatch = 5;
  std::mutex mu;
  std::vector<std::string> numbers;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient http(server.url(), server.admin_key());
      std::int64_t seq = 0;
      for (int b = 0; b < kBatches; ++b) {
        json batch = json::array();
        for (int i = 0; i < kPerBatch; ++i)
          batch.push_back(upsert(++seq, "quotes", new_uuid_v7(), std::nullopt, quote_data(c)));
        auto a = push(http, "dev-" + std::to_string(t), batch);
        if (a.status != 200) {
          ++failures;
          continue;
        }
        json body = a.json();
        std::lock_guard lock(mu);
        for (const auto& r : body["results"]) {
          if (r["status"] != "applied")
            ++failures;
          else
            numbers.push_back(r["assigned"]["quote_number"]);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  REQUIRE(numbers.size() == kThreads * kBatches * kPerBatch);
  std::set<std::string> unique(numbers.begin(), numbers.end());
  CHECK(unique.size() == numbers.size());
  CHECK(unique.count("") == 0);
}

TEST_CASE("pullers running beside pushers see complete, ordered, duplicate-free sequences",
          "[concurrency]") {
  ServerProcess server(server_args({"--quiet"}));
  constexpr int kPushers = 4, kBatches = 30, kPerBatch = 5, kPullers = 3;
  std::atomic<int> pushers_done{0};
  std::mutex mu;
  std::set<std::string> created;
  std::atomic<int> push_failures{0};

  std::vector<std::thread> threads;
  for (int p = 0; p < kPushers; ++p) {
    threads.emplace_back([&, p] {
      HttpClient http(server.url(), server.admin_key());
      std::int64_t seq = 0;
      for (int b = 0; b < kBatches; ++b) {
        json batch = json::array();
        std::vector<std::string> ids;
        for (int i = 0; i < kPerBatch; ++i) {
          ids.push_back(new_uuid_v7());
          batch.push_back(upsert(++seq, "customers", ids.back(), std::nullopt,
                                 customer_data("P" + std::to_string(p))));
        }
        auto a = push(http, "pusher-" + std::to_string(p), batch);
        bool ok = a.status == 200;
        if (ok) {
          json body = a.json();
          for (const auto& r : body["results"]) ok = ok && r["status"] == "applied";
        }
        if (!ok) ++push_failures;
        std::lock_guard lock(mu);
        created.insert(ids.begin(), ids.end());
      }
      ++pushers_done;
    });
  }

  struct PullerResult {
    std::vector<std::int64_t> revs;
    std::set<std::string> ids;
    bool ordered = true, unique = true, errors = false;
  };
  std::vector<PullerResult> pulled(kPullers);
  for (int q = 0; q < kPullers; ++q) {
    threads.emplace_back([&, q] {
      HttpClient http(server.url(), server.admin_key());
      auto& out = pulled[q];
      std::string cursor = "0";
      for (;;) {
        bool finished =
            pushers_done == kPushers;  // read before the page: then one more pass drains all
        bool more = true;
        while (more) {
          auto a =
              http.get("/api/v1/changes?after=" + cursor + "&limit=" + std::to_string(7 + q * 5));
          if (a.status != 200) {
            out.errors = true;
            return;
          }
          auto page = a.json();
          for (const auto& c : page["changes"]) {
            std::int64_t rev = c["rev"];
            if (!out.revs.empty() && rev <= out.revs.back()) out.ordered = false;
            out.revs.push_back(rev);
            if (!out.ids.insert(c["id"].get<std::string>()).second) out.unique = false;
          }
          cursor = page["next"].get<std::string>();
          more = page["has_more"].get<bool>();
        }
        if (finished) return;
      }
    });
  }
  for (auto& th : threads) th.join();

  CHECK(push_failures == 0);
  REQUIRE(created.size() == kPushers * kBatches * kPerBatch);
  for (int q = 0; q < kPullers; ++q) {
    INFO("puller " << q);
    CHECK_FALSE(pulled[q].errors);
    CHECK(pulled[q].ordered);
    CHECK(pulled[q].unique);
    CHECK(pulled[q].ids == created);
    // creates only, so the revs are exactly 1..N with no gap
    CHECK(pulled[q].revs.front() == 1);
    CHECK(pulled[q].revs.back() == static_cast<std::int64_t>(created.size()));
  }
}
