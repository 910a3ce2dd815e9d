// GET /metrics on the real server: admin only, and each family counts what happened.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/raw_http.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync::test;
using nlohmann::json;

namespace {

const std::string kKey = "Authorization: Bearer test-admin-key-0123\r\n";

RawAnswer ask(int port, const std::string& request) {
  RawConnection c(port);
  REQUIRE(c.send(request));
  auto a = c.read_answer();
  REQUIRE(a);
  return *a;
}

/// The value of the sample whose line starts with `series` (name and labels), or -1.
double sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("metrics: admin only, and they count requests, verdicts, lag and the pool", "[metrics]") {
  ServerProcess server(server_args({"--seed-demo", "5", "--threads", "3", "--quiet"}));
  int port = server.port();
  CHECK(ask(port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").status == 401);

  json push = {{"device_id", "dev-metrics"},
               {"mutations", json::array({{{"seq", 1},
                                           {"entity", "customers"},
                                           {"id", "019b76da-a800-73f1-956e-000000000888"},
                                           {"op", "upsert"},
                                           {"base_rev", nullptr},
                                           {"data", {{"name", "Metric Co"}}}}})}};
  std::string body = push.dump();
  auto pushed = ask(port, "POST /api/v1/push HTTP/1.1\r\nHost: t\r\n" + kKey +
                              "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body);
  REQUIRE(pushed.status == 200);
  auto page = ask(port, "GET /api/v1/changes?after=3&limit=1 HTTP/1.1\r\nHost: t\r\n" + kKey +
                            "X-CraftSync-Device: laptop-7\r\n\r\n");
  REQUIRE(page.status == 200);
  std::int64_t head = json::parse(page.body)["head"].get<std::int64_t>();

  auto m = ask(port, "GET /metrics HTTP/1.1\r\nHost: t\r\n" + kKey + "\r\n");
  REQUIRE(m.status == 200);
  CHECK(m.head.find("text/plain") != std::string::npos);
  const std::string& t = m.body;
  CHECK(sample(t, R"(craftsync_mutations_total{verdict="applied"})") == 1);
  CHECK(sample(t, R"(craftsync_mutations_total{verdict="conflict"})") == 0);
  CHECK(sample(t, R"(craftsync_http_requests_total{route="/api/v1/push",status="200"})") == 1);
  CHECK(sample(t, R"(craftsync_http_requests_total{route="/metrics",status="401"})") == 1);
  CHECK(sample(t, R"(craftsync_http_request_duration_seconds_count{route="/api/v1/push"})") == 1);
  CHECK(
      sample(t,
             R"(craftsync_http_request_duration_seconds_bucket{route="/api/v1/push",le="+Inf"})") ==
      1);
  CHECK(sample(t, R"(craftsync_device_lag_revs{device="laptop-7"})") == head - 3);
  CHECK(sample(t, "craftsync_change_log_head") == head);
  CHECK(sample(t, "craftsync_open_connections") >= 1);
  CHECK(sample(t, R"(craftsync_db_pool_connections{state="size"})") == 3);
  CHECK(sample(t, R"(craftsync_db_pool_connections{state="in_use"})") >= 0);
}
