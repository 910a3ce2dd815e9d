// The server's HTTP core under slow, oversized and hostile traffic (issue 10's findings), on
// the real binary over raw loopback sockets: deadlines, --max-body on every body, the key
// before the body, the connection cap, no Range, pipelining, strict framing and query
// parsing, and a log that cannot be forged.

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/raw_http.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "Authorization: Bearer test-admin-key-0123\r\n";

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

std::string error_code(const RawAnswer& a) {
  json j = json::parse(a.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

std::int64_t head_rev(const ServerProcess& server) {
  RawConnection c(server.port());
  c.send(get("/api/v1/session", kKey));
  auto a = c.read_answer();
  REQUIRE(a);
  REQUIRE(a->status == 200);
  return json::parse(a->body)["head"].get<std::int64_t>();
}

std::string push_body(std::size_t pad) {
  json m = {
      {"seq", 1},       {"entity", "customers"}, {"id", "019b76da-a800-73f1-956e-000000000777"},
      {"op", "upsert"}, {"base_rev", nullptr},   {"data", {{"name", std::string(pad, 'x')}}}};
  return json{{"device_id", "dev-limits"}, {"mutations", json::array({m})}}.dump();
}

std::string chunked(const std::string& body) {
  std::ostringstream out;
  for (std::size_t at = 0; at < body.size(); at += 4096) {
    std::string part = body.substr(at, 4096);
    out << std::hex << part.size() << "\r\n" << part << "\r\n";
  }
  out << "0\r\n\r\n";
  return out.str();
}

/// A push with a chunked body of `pad` bytes of name, over a fresh connection; its answer.
std::optional<RawAnswer> chunked_push(int port, std::size_t pad) {
  RawConnection c(port);
  c.send("POST /api/v1/push HTTP/1.1\r\nHost: t\r\n" + kKey +
         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
         chunked(push_body(pad)));
  return c.read_answer();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("limits: headers trickled slowly are cut off at the header deadline", "[limits]") {
  ServerProcess server(server_args({"--header-timeout", "1", "--quiet"}));
  RawConnection c(server.port());
  REQUIRE(c.send("GET /api/v1/health HTTP/1.1\r\n"));
  // Keep trickling one header line at a time, as the finding did; the server must hang up.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    if (!c.send("X-Slow: " + std::to_string(i) + "\r\n")) break;
    closed = c.wait_closed(200ms);
  }
  CHECK((closed || c.wait_closed(2s)));
}

TEST_CASE("limits: --max-body holds for declared, chunked and keyless bodies", "[limits]") {
  ServerProcess server(server_args({"--max-body", "2048", "--quiet"}));
  std::int64_t head = head_rev(server);

  SECTION("a declared Content-Length over the limit is refused before any body byte") {
    RawConnection c(server.port());
    c.send("POST /api/v1/push HTTP/1.1\r\nHost: t\r\n" + kKey +
           "Content-Type: application/json\r\nContent-Length: 2049\r\n\r\n");
    auto a = c.read_answer(5s);  // no body was sent: the answer cannot wait for one
    REQUIRE(a);
    CHECK(a->status == 413);
    CHECK(error_code(*a) == "payload_too_large");
    CHECK(c.wait_closed(5s));
    CHECK(head_rev(server) == head);
  }
  SECTION("a chunked body over the limit is refused and not applied") {
    auto a = chunked_push(server.port(), 4000);
    REQUIRE(a);
    CHECK(a->status == 413);
    CHECK(error_code(*a) == "payload_too_large");
    CHECK(head_rev(server) == head);
  }
  SECTION("a chunked body under the limit is applied") {
    auto a = chunked_push(server.port(), 100);
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(json::parse(a->body)["results"][0]["status"] == "applied");
    CHECK(head_rev(server) == head + 1);
  }
  SECTION("without a key, the answer is 401 before the body is read") {
    RawConnection c(server.port());
    c.send(
        "POST /api/v1/push HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");  // the body never comes
    auto a = c.read_answer(5s);
    REQUIRE(a);
    CHECK(a->status == 401);
    CHECK(c.wait_closed(5s));  // its body was not read, so the connection cannot be reused
    CHECK(head_rev(server) == head);
  }
}

TEST_CASE("limits: past the connection cap a new connection gets a 503", "[limits]") {
  ServerProcess server(server_args({"--max-connections", "4", "--quiet"}));
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(std::make_unique<RawConnection>(server.port()));
    open.back()->send(get("/api/v1/health"));
    auto a = open.back()->read_answer();
    REQUIRE(a);
    REQUIRE(a->status == 200);  // each is open and idle now
  }
  RawConnection extra(server.port());
  auto refused = extra.read_answer();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(error_code(*refused) == "unavailable");
  CHECK(extra.wait_closed(5s));

  open.pop_back();  // one closes: a new connection is served again
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    RawConnection again(server.port());
    again.send(get("/api/v1/health"));
    auto a = again.read_answer();
    served = a && a->status == 200;
  }
  CHECK(served);
}

TEST_CASE("limits: hundreds of idle keep-alive connections do not block /health", "[limits]") {
  ServerProcess server(server_args({"--quiet"}));
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 500; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server.port()));
    idle.back()->send(get("/api/v1/health"));
  }
  for (auto& c : idle) {
    auto a = c->read_answer();
    REQUIRE(a);
    REQUIRE(a->status == 200);
  }
  RawConnection probe(server.port());
  probe.send(get("/api/v1/health"));
  auto a = probe.read_answer();
  REQUIRE(a);
  CHECK(a->status == 200);
}

TEST_CASE("limits: Range is ignored on API routes", "[limits]") {
  ServerProcess server(server_args({"--seed-demo", "5", "--quiet"}));
  RawConnection c(server.port());
  c.send(get("/api/v1/changes", kKey + "Range: bytes=0-10\r\n"));
  auto a = c.read_answer();
  REQUIRE(a);
  CHECK(a->status == 200);
  CHECK(json::parse(a->body, nullptr, false).is_object());  // the whole page, not 11 bytes
  CHECK(a->head.find("Content-Range") == std::string::npos);
  c.send(get("/api/v1/changes", kKey + "Range: bytes=999999-\r\n"));
  a = c.read_answer();
  REQUIRE(a);
  CHECK(a->status == 200);
}

TEST_CASE("limits: pipelined requests are all answered, in order", "[limits]") {
  ServerProcess server(server_args({"--quiet"}));
  RawConnection c(server.port());
  c.send(get("/api/v1/health") + get("/api/v1/nope") + get("/api/v1/session", kKey));
  auto first = c.read_answer(), second = c.read_answer(), third = c.read_answer();
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  CHECK(first->status == 200);
  CHECK(second->status == 404);  // /api/v1/nope: an unknown entity
  CHECK(third->status == 200);
  CHECK(json::parse(third->body).contains("role"));
}

TEST_CASE("limits: a HEAD answer has no body, so the next answer stays intact", "[limits]") {
  // The 405 to a HEAD used to carry its JSON body, which a client reads as the next answer.
  ServerProcess server(server_args({"--quiet"}));
  RawConnection c(server.port());
  c.send("HEAD /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n" + get("/api/v1/health"));
  auto head = c.read_answer(10s, /*head_only=*/true);
  REQUIRE(head);
  CHECK(head->status == 405);
  CHECK(head->head.find("Allow: GET\r\n") != std::string::npos);
  auto next = c.read_answer();
  REQUIRE(next);
  CHECK(next->head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(json::parse(next->body)["status"] == "ok");
}

TEST_CASE("limits: a 405 names the methods the path allows", "[limits]") {
  ServerProcess server(server_args({"--quiet"}));
  RawConnection c(server.port());
  c.send(
      "PATCH /api/v1/customers/0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b HTTP/1.1\r\nHost: t\r\n"
      "Content-Length: 0\r\n\r\n" +
      get("/api/v1/push") + get("/api/v1/widgets"));
  auto patch = c.read_answer(), push = c.read_answer(), widgets = c.read_answer();
  REQUIRE(patch);
  REQUIRE(push);
  REQUIRE(widgets);
  CHECK(patch->status == 405);
  CHECK(patch->head.find("Allow: GET, PUT, DELETE\r\n") != std::string::npos);
  CHECK(json::parse(patch->body)["error"]["code"] == "method_not_allowed");
  CHECK(push->head.find("Allow: POST\r\n") != std::string::npos);
  CHECK(widgets->status == 404);
  CHECK(json::parse(widgets->body)["error"]["code"] == "unknown_entity");
}

TEST_CASE("limits: framing and queries are parsed strictly", "[limits]") {
  ServerProcess server(server_args({"--quiet"}));
  SECTION("Content-Length with Transfer-Encoding is refused and the connection closed") {
    RawConnection c(server.port());
    c.send("POST /api/v1/push HTTP/1.1\r\nHost: t\r\n" + kKey +
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    auto a = c.read_answer();
    REQUIRE(a);
    CHECK(a->status == 400);
    CHECK(c.wait_closed(5s));
  }
  SECTION("a query parameter splits on its first '='") {
    RawConnection c(server.port());
    c.send(get("/api/v1/changes?after=junk=5", kKey));
    auto a = c.read_answer();
    REQUIRE(a);
    CHECK(a->status == 400);
    CHECK(error_code(*a) == "invalid_cursor");
  }
  SECTION("a JSON body with a NUL byte is refused, not cut short") {
    std::string body = std::string(R"({"device_id":"dev-nul","mutations":[]})") + '\0' + "junk";
    RawConnection c(server.port());
    c.send("POST /api/v1/push HTTP/1.1\r\nHost: t\r\n" + kKey +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    auto a = c.read_answer();
    REQUIRE(a);
    CHECK(a->status == 400);
    CHECK(error_code(*a) == "malformed_json");
  }
  SECTION("a malformed percent escape is a 400") {
    RawConnection c(server.port());
    c.send(get("/api/v1/changes?after=%zz", kKey));
    auto a = c.read_answer();
    REQUIRE(a);
    CHECK(a->status == 400);
  }
}

TEST_CASE("limits: the request log cannot be forged through the path", "[limits]") {
  ServerProcess server;  // logging on
  RawConnection c(server.port());
  c.send(get("/api/v1/health%0AGET%20/api/v1/push%20200%201ms%20device=forged"));
  auto a = c.read_answer();
  REQUIRE(a);
  CHECK(a->status == 404);
  c.send(get("/api/v1/health", "X-CraftSync-Device: dev\xc3\xa9\r\n"));
  REQUIRE(c.read_answer());
  server.stop();
  std::string log = read_file(server.log_path());
  CHECK(log.find("\nGET /api/v1/push 200") == std::string::npos);
  CHECK(log.find("device=forged\n") == std::string::npos);
  CHECK(log.find("/api/v1/health%0AGET") != std::string::npos);  // logged as sent, one line
  CHECK(log.find("device=dev\\xc3\\xa9") != std::string::npos);
}
