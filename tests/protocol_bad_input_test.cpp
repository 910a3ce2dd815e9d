// A table of malformed requests: each gets its 4xx and error code, none a 500, and no data
// changes.

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync::test;
using craftsync::new_uuid_v7;

namespace {

struct BadRequest {
  const char* what;
  std::string method, path, body;
  std::vector<std::string> headers;
  enum class Key { admin, none, wrong, read } key;
  long status;
  std::string code;
};

json one_mutation(json m) {
  return {{"device_id", "dev-bad"}, {"mutations", json::array({std::move(m)})}};
}

}  // namespace

TEST_CASE("malformed requests get a clear 4xx and change nothing", "[bad-input]") {
  ServerProcess server(server_args({"--seed-demo", "10", "--quiet"}));
  HttpClient admin(server.url(), server.admin_key());
  int code = -1;
  std::string read_key =
      run_server_command({"keys", "add", "--role", "read", "--db", server.db_path()}, &code);
  read_key.pop_back();
  auto before = pull_all(admin);
  std::int64_t head = head_rev(admin);
  std::string existing = before.front()["id"];
  std::string id = new_uuid_v7();
  json good = upsert(1, "customers", id, std::nullopt, customer_data("Never Written"));
  auto with = [&](const char* key, json value) {
    json m = good;
    if (value.is_null())
      m.erase(key);
    else
      m[key] = std::move(value);
    return one_mutation(m).dump();
  };
  json too_many = {{"device_id", "dev-bad"}, {"mutations", json::array()}};
  for (int i = 1; i <= 5001; ++i)
    too_many["mutations"].push_back(
        upsert(i, "customers", new_uuid_v7(), std::nullopt, {{"name", "x"}}));
  std::string huge =
      R"({"device_id":"dev-bad","mutations":[],"pad":")" + std::string(9u << 20, 'x') + "\"}";
  std::string deep = std::string(20000, '[') + std::string(20000, ']');
  json dup = one_mutation(good);
  dup["mutations"].push_back(good);

  using K = BadRequest::Key;
  std::vector<BadRequest> cases = {
      {"broken JSON", "POST", "/api/v1/push", "{bad", {}, K::admin, 400, "malformed_json"},
      {"empty body", "POST", "/api/v1/push", "", {}, K::admin, 400, "malformed_json"},
      {"truncated JSON",
       "POST",
       "/api/v1/push",
       R"({"device_id":"d","mutations":[)",
       {},
       K::admin,
       400,
       "malformed_json"},
      {"invalid UTF-8",
       "POST",
       "/api/v1/push",
       "{\"device_id\":\"\xff\xfe\",\"mutations\":[]}",
       {},
       K::admin,
       400,
       "malformed_json"},
      {"array body", "POST", "/api/v1/push", "[]", {}, K::admin, 400, "invalid_request"},
      {"deeply nested", "POST", "/api/v1/push", deep, {}, K::admin, 400, "invalid_request"},
      {"no device id",
       "POST",
       "/api/v1/push",
       json{{"mutations", json::array()}}.dump(),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"device id number",
       "POST",
       "/api/v1/push",
       json{{"device_id", 5}, {"mutations", json::array()}}.dump(),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"mutations object",
       "POST",
       "/api/v1/push",
       json{{"device_id", "d"}, {"mutations", json::object()}}.dump(),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"seq as string",
       "POST",
       "/api/v1/push",
       with("seq", "1"),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"unknown entity",
       "POST",
       "/api/v1/push",
       with("entity", "widgets"),
       {},
       K::admin,
       400,
       "unknown_entity"},
      {"id not a UUID",
       "POST",
       "/api/v1/push",
       with("id", "1234"),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"bad op",
       "POST",
       "/api/v1/push",
       with("op", "replace"),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"base_rev string",
       "POST",
       "/api/v1/push",
       with("base_rev", "3"),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"upsert without data",
       "POST",
       "/api/v1/push",
       with("data", nullptr),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"unknown field",
       "POST",
       "/api/v1/push",
       with("data", {{"name", "x"}, {"colour", "red"}}),
       {},
       K::admin,
       400,
       "unknown_field"},
      {"field of wrong type",
       "POST",
       "/api/v1/push",
       with("data", {{"name", 42}}),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"server field rev",
       "POST",
       "/api/v1/push",
       with("data", {{"name", "x"}, {"rev", "9"}}),
       {},
       K::admin,
       400,
       "unknown_field"},
      {"duplicate seq", "POST", "/api/v1/push", dup.dump(), {}, K::admin, 400, "invalid_request"},
      {"too many mutations",
       "POST",
       "/api/v1/push",
       too_many.dump(),
       {},
       K::admin,
       400,
       "too_many_mutations"},
      {"body over the limit", "POST", "/api/v1/push", huge, {}, K::admin, 413, "payload_too_large"},
      {"unknown top-level field",
       "POST",
       "/api/v1/push",
       R"({"device_id":"d","mutations":[],"x":1})",
       {},
       K::admin,
       400,
       "invalid_request"},
      {"no key",
       "POST",
       "/api/v1/push",
       one_mutation(good).dump(),
       {},
       K::none,
       401,
       "unauthorized"},
      {"wrong key",
       "POST",
       "/api/v1/push",
       one_mutation(good).dump(),
       {},
       K::wrong,
       401,
       "unauthorized"},
      {"read key pushing",
       "POST",
       "/api/v1/push",
       one_mutation(good).dump(),
       {},
       K::read,
       403,
       "forbidden"},
      {"newer protocol",
       "POST",
       "/api/v1/push",
       one_mutation(good).dump(),
       {"X-CraftSync-Protocol: 9"},
       K::admin,
       426,
       "incompatible_protocol"},
      {"cursor not a number",
       "GET",
       "/api/v1/changes?after=abc",
       "",
       {},
       K::admin,
       400,
       "invalid_cursor"},
      {"negative cursor",
       "GET",
       "/api/v1/changes?after=-5",
       "",
       {},
       K::admin,
       400,
       "invalid_cursor"},
      {"zero limit",
       "GET",
       "/api/v1/changes?after=0&limit=0",
       "",
       {},
       K::admin,
       400,
       "invalid_limit"},
      {"limit not a number",
       "GET",
       "/api/v1/changes?limit=ten",
       "",
       {},
       K::admin,
       400,
       "invalid_limit"},
      {"unknown entity filter",
       "GET",
       "/api/v1/changes?entities=customers,widgets",
       "",
       {},
       K::admin,
       400,
       "unknown_entity"},
      {"unknown entity route", "GET", "/api/v1/widgets", "", {}, K::admin, 404, "unknown_entity"},
      {"unknown route", "GET", "/admin/secret", "", {}, K::admin, 404, "not_found"},
      {"wrong method", "GET", "/api/v1/push", "", {}, K::admin, 405, "method_not_allowed"},
      {"PUT on a collection",
       "PUT",
       "/api/v1/customers",
       "{}",
       {},
       K::admin,
       405,
       "method_not_allowed"},
      {"record id not a UUID", "GET", "/api/v1/customers/42", "", {}, K::admin, 400, "invalid_id"},
      {"create with unknown field",
       "POST",
       "/api/v1/customers",
       R"({"name":"x","vip":true})",
       {},
       K::admin,
       400,
       "unknown_field"},
      {"create with string body",
       "POST",
       "/api/v1/customers",
       R"("hello")",
       {},
       K::admin,
       400,
       "invalid_request"},
      {"create with wrong type",
       "POST",
       "/api/v1/customers",
       R"({"name":["x"]})",
       {},
       K::admin,
       400,
       "invalid_request"},
      {"update with broken JSON",
       "PUT",
       "/api/v1/customers/" + existing,
       "{\"name\":",
       {},
       K::admin,
       400,
       "malformed_json"},
      {"update with another id",
       "PUT",
       "/api/v1/customers/" + existing,
       json{{"id", id}}.dump(),
       {},
       K::admin,
       400,
       "invalid_request"},
      {"update with bad If-Match",
       "PUT",
       "/api/v1/customers/" + existing,
       json{{"city", "x"}}.dump(),
       {"If-Match: soon"},
       K::admin,
       400,
       "invalid_request"},
  };
  REQUIRE(cases.size() >= 25);

  for (const auto& c : cases) {
    INFO(c.what);
    std::string key = c.key == K::admin   ? server.admin_key()
                      : c.key == K::read  ? read_key
                      : c.key == K::wrong ? "csk_wrong"
                                          : "";
    HttpClient http(server.url(), key);
    auto a = http.request(c.method, c.path, c.body, c.headers);
    CHECK(a.status == c.status);
    CHECK(a.error_code() == c.code);
    auto body = json::parse(a.body, nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK_FALSE(body["error"]["message"].get<std::string>().empty());
  }

  CHECK(admin.get("/api/v1/health").status == 200);
  CHECK(head_rev(admin) == head);
  CHECK(pull_all(admin) == before);
  CHECK(admin.get("/api/v1/customers/" + id).status == 404);
}
