// The shared JSON codecs of protocol v1.

#include <catch2/catch.hpp>

#include <random>

#include "core/protocol.hpp"
#include "core/push_request_reader.hpp"
#include "core/uuid.hpp"

using namespace craftsync;
using nlohmann::json;

namespace {
const std::string kId = "019b76da-a800-73f1-956e-eb2f2632d7bd";

json valid_push() {
  return {
      {"device_id", "dev-1"},
      {"mutations",
       {{{"seq", 1},
         {"entity", "customers"},
         {"id", kId},
         {"op", "upsert"},
         {"base_rev", nullptr},
         {"data", {{"name", "Ada"}, {"email", nullptr}}}},
        {{"seq", 2}, {"entity", "customers"}, {"id", kId}, {"op", "delete"}, {"base_rev", 7}}}}};
}
}  // namespace

TEST_CASE("push request round-trips through its codec", "[codec]") {
  PushRequest r = parse_push_request(valid_push());
  REQUIRE(r.device_id == "dev-1");
  REQUIRE(r.mutations.size() == 2);
  CHECK(r.mutations[0].op == Op::upsert);
  CHECK_FALSE(r.mutations[0].base_rev.has_value());
  CHECK(r.mutations[0].data["name"] == "Ada");
  CHECK(r.mutations[1].op == Op::remove);
  CHECK(r.mutations[1].base_rev == 7);
  PushRequest again = parse_push_request(to_json(r));
  CHECK(to_json(again) == to_json(r));
}

TEST_CASE("push request codec rejects malformed input with a reason", "[codec]") {
  struct Case {
    const char* what;
    std::function<void(json&)> mutate;
    const char* code;
  };
  std::vector<Case> cases = {
      {"not an object", [](json& j) { j = json::array(); }, "invalid_request"},
      {"no device", [](json& j) { j.erase("device_id"); }, "invalid_request"},
      {"empty device", [](json& j) { j["device_id"] = ""; }, "invalid_request"},
      {"device too long", [](json& j) { j["device_id"] = std::string(200, 'x'); },
       "invalid_request"},
      {"mutations not array", [](json& j) { j["mutations"] = "x"; }, "invalid_request"},
      {"unknown top field", [](json& j) { j["extra"] = 1; }, "invalid_request"},
      {"seq string", [](json& j) { j["mutations"][0]["seq"] = "1"; }, "invalid_request"},
      {"seq zero", [](json& j) { j["mutations"][0]["seq"] = 0; }, "invalid_request"},
      {"duplicate seq", [](json& j) { j["mutations"][1]["seq"] = 1; }, "invalid_request"},
      {"unknown entity", [](json& j) { j["mutations"][0]["entity"] = "widgets"; },
       "unknown_entity"},
      {"bad id", [](json& j) { j["mutations"][0]["id"] = "42"; }, "invalid_request"},
      {"bad op", [](json& j) { j["mutations"][0]["op"] = "merge"; }, "invalid_request"},
      {"negative base", [](json& j) { j["mutations"][0]["base_rev"] = -1; }, "invalid_request"},
      {"float base", [](json& j) { j["mutations"][0]["base_rev"] = 1.5; }, "invalid_request"},
      {"upsert without data", [](json& j) { j["mutations"][0].erase("data"); }, "invalid_request"},
      {"unknown field", [](json& j) { j["mutations"][0]["data"]["colour"] = "red"; },
       "unknown_field"},
      {"number field value", [](json& j) { j["mutations"][0]["data"]["name"] = 5; },
       "invalid_request"},
      {"data id differs", [](json& j) { j["mutations"][0]["data"]["id"] = new_uuid_v7(); },
       "invalid_request"},
      {"mutation not object", [](json& j) { j["mutations"][0] = 3; }, "invalid_request"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    json j = valid_push();
    c.mutate(j);
    try {
      parse_push_request(j);
      FAIL("accepted: " << c.what);
    } catch (const ProtocolError& e) {
      CHECK(e.code() == c.code);
      CHECK(std::string(e.what()).size() > 5);
    }
  }
}

namespace {

/// What the slow path makes of a body: the request, or nothing when it refuses it.
std::optional<PushRequest> slow_read(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || body.find('\0') != std::string::npos) return std::nullopt;
  try {
    return parse_push_request(std::move(j));
  } catch (const ProtocolError&) {
    return std::nullopt;
  }
}

void check_same(const PushRequest& a, const PushRequest& b) {
  REQUIRE(a.device_id == b.device_id);
  REQUIRE(a.mutations.size() == b.mutations.size());
  for (std::size_t i = 0; i < a.mutations.size(); ++i) {
    const Mutation &x = a.mutations[i], &y = b.mutations[i];
    CHECK(x.seq == y.seq);
    CHECK(x.entity == y.entity);
    CHECK(x.id == y.id);
    CHECK(x.op == y.op);
    CHECK(x.base_rev == y.base_rev);
    CHECK(x.data == y.data);
    CHECK(x.data.dump() == y.data.dump());  // the fingerprint hashes this text
  }
}

}  // namespace

TEST_CASE("the fast push reader takes what the codec takes, and gives the same request",
          "[codec]") {
  PushRequestReader reader;
  std::mt19937 rng(12);
  const std::vector<std::string> texts = {"Ada",         "",         "O'Brien \"Ltd\"",
                                          "line\nbreak", "tab\t",    "caf\u00e9 \u2603",
                                          "back\\slash", "\u0000nul"};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  for (int round = 0; round < 300; ++round) {
    json muts = json::array();
    int n = static_cast<int>(pick(20));
    for (int i = 0; i < n; ++i) {
      Entity e = kEntitiesInFkOrder[pick(3)];
      std::string id = new_uuid_v7();
      json m = {{"seq", round * 100 + i + 1}, {"entity", entity_name(e)}, {"id", id}};
      if (pick(5) == 0) {
        m["op"] = "delete";
      } else {
        m["op"] = "upsert";
        json data = json::object();
        if (pick(2)) data["id"] = id;
        for (const FieldSpec& f : fields_of(e))
          if (pick(3))
            data[std::string(f.name)] = pick(6) ? json(texts[pick(texts.size())]) : json();
        m["data"] = data;
      }
      if (pick(2)) m["base_rev"] = pick(2) ? json(static_cast<std::int64_t>(rng())) : json();
      muts.push_back(m);
    }
    std::string body =
        json{{"device_id", "dev-" + std::to_string(round)}, {"mutations", muts}}.dump();
    auto fast = reader.read(body);
    auto slow = slow_read(body);
    INFO(body);
    REQUIRE(slow);
    REQUIRE(fast);
    check_same(*fast, *slow);
  }

  // Odd bodies: the fast reader either refuses them, or reads them as the codec does. It
  // never takes one the codec refuses.
  const std::string id = kId;
  const std::vector<std::string> odd = {
      "",
      "{",
      "[]",
      "null",
      "{\"device_id\":\"d\"}",
      "{\"mutations\":[]}",
      "{\"device_id\":\"d\",\"mutations\":[]}",
      "{\"device_id\":\"d\",\"mutations\":[],\"x\":1}",
      "{\"device_id\":\"d\",\"device_id\":\"e\",\"mutations\":[]}",
      "{\"device_id\":\"\",\"mutations\":[]}",
      "{\"device_id\":\"" + std::string(129, 'x') + "\",\"mutations\":[]}",
      "{\"device_id\":7,\"mutations\":[]}",
      "{\"device_id\":\"d\",\"mutations\":{}}",
      "\xef\xbb\xbf{\"device_id\":\"d\",\"mutations\":[]}",
      "{\"device_id\":\"d\",\"mutations\":[]} x",
      std::string("{\"device_id\":\"d\",\"mutations\":[]}") + '\0' + "{}",  // a NUL inside
  };
  const std::string head = "{\"device_id\":\"d\",\"mutations\":[";
  const std::vector<std::string> odd_mutations = {
      "3",
      "{}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"upsert\"}",
      "{\"seq\":1.0,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"delete\"}",
      "{\"seq\":9223372036854775808,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"delete\"}",
      "{\"seq\":-1,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"delete\"}",
      "{\"seq\":1,\"seq\":2,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"delete\"}",
      "{\"seq\":1,\"entity\":\"widgets\",\"id\":\"" + id + "\",\"op\":\"delete\"}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"x\",\"op\":\"delete\"}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"merge\"}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"delete\",\"base_rev\":-2}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"delete\",\"base_rev\":18446744073709551615}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"delete\",\"data\":{\"name\":\"x\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"delete\",\"data\":5}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id + "\",\"op\":\"upsert\",\"data\":null}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"name\":\"a\",\"name\":\"b\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"colour\":\"red\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"name\":5}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"id\":null,\"name\":\"a\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"id\":\"" + new_uuid_v7() + "\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"name\":\"\\ud800\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"name\":\"\xff\"}}",
      "{\"seq\":1,\"entity\":\"customers\",\"id\":\"" + id +
          "\",\"op\":\"upsert\",\"data\":{\"name\":\"a\"},\"extra\":1}",
  };
  std::vector<std::string> bodies = odd;
  for (const auto& m : odd_mutations) bodies.push_back(head + m + "]}");
  bodies.push_back(head + odd_mutations[2] + "," + odd_mutations[2] + "]}");  // duplicate seq
  int refused = 0;
  for (const auto& body : bodies) {
    INFO(body);
    auto fast = reader.read(body);
    auto slow = slow_read(body);
    if (!slow) CHECK_FALSE(fast);
    if (fast) check_same(*fast, *slow);
    refused += !fast;
  }
  CHECK(refused >= static_cast<int>(bodies.size()) - 2);  // only the two plain bodies pass
}

TEST_CASE("mutation results encode every verdict", "[codec]") {
  MutationResult applied{
      5, Verdict::applied, 12, {{"quote_number", "Q-2026-000001"}}, nullptr, false, {}, ""};
  MutationResult back = parse_mutation_result(to_json(applied));
  CHECK(back.status == Verdict::applied);
  CHECK(back.rev == 12);
  CHECK(back.assigned["quote_number"] == "Q-2026-000001");

  MutationResult conflict{
      6, Verdict::conflict, 9, json::object(), {{"id", kId}, {"name", "B"}}, false, {}, ""};
  back = parse_mutation_result(to_json(conflict));
  CHECK(back.status == Verdict::conflict);
  CHECK(back.server["name"] == "B");

  MutationResult rejected{7,
                          Verdict::rejected,
                          std::nullopt,
                          json::object(),
                          nullptr,
                          false,
                          {{"customer_id", "fk_missing", "no such customer"}},
                          "rejected"};
  back = parse_mutation_result(to_json(rejected));
  REQUIRE(back.errors.size() == 1);
  CHECK(back.errors[0].code == "fk_missing");

  MutationResult retry{8, Verdict::retry, std::nullopt, json::object(), nullptr, false, {}, "busy"};
  CHECK(parse_mutation_result(to_json(retry)).status == Verdict::retry);

  CHECK_THROWS_AS(parse_mutation_result({{"seq", 1}, {"status", "applied"}}), ProtocolError);
  CHECK_THROWS_AS(parse_mutation_result({{"seq", 1}, {"status", "won"}}), ProtocolError);
  CHECK_THROWS_AS(parse_push_response({{"results", 3}}), ProtocolError);

  MutationResult forked{
      9, Verdict::device_forked, std::nullopt, json::object(), nullptr, false, {}, "seq reused"};
  json answer = {{"results", json::array({to_json(forked)})}, {"device_max_seq", 12}};
  PushResponse decoded = parse_push_response(answer);
  REQUIRE(decoded.results.size() == 1);
  CHECK(decoded.results[0].status == Verdict::device_forked);
  CHECK(decoded.device_max_seq == 12);
  CHECK(parse_push_response({{"results", json::array()}}).device_max_seq == 0);
  CHECK_THROWS_AS(parse_push_response({{"results", json::array()}, {"device_max_seq", "12"}}),
                  ProtocolError);
  CHECK_THROWS_AS(parse_push_response({{"results", json::array()}, {"device_max_seq", -1}}),
                  ProtocolError);

  // A refused delete carries the row the server keeps.
  MutationResult refused{10,
                         Verdict::rejected,
                         7,
                         json::object(),
                         {{"id", kId}, {"name", "Kept"}},
                         false,
                         {{"id", "has_children", "children"}},
                         "rejected"};
  back = parse_mutation_result(to_json(refused));
  CHECK(back.server["name"] == "Kept");
  CHECK(back.rev == 7);

  // The text a push answers with is the codec's own JSON, byte for byte, whichever way it is
  // written (by hand for a plain applied verdict).
  MutationResult plain{11, Verdict::applied, 40, json::object(), nullptr, false, {}, ""};
  MutationResult no_rev{12, Verdict::applied, std::nullopt, json::object(), nullptr, false, {}, ""};
  for (const MutationResult* r : {&plain, &no_rev, &applied, &conflict, &rejected, &refused})
    CHECK(to_json_text(*r) == to_json(*r).dump());
  CHECK(to_json_text(plain) == R"({"rev":40,"seq":11,"status":"applied"})");
}

TEST_CASE("change pages decode, and wrong types are refused", "[codec]") {
  json page = {
      {"changes",
       {{{"entity", "customers"},
         {"id", kId},
         {"rev", 3},
         {"deleted", false},
         {"data", {{"name", "A"}}}},
        {{"entity", "quotes"}, {"id", kId}, {"rev", 4}, {"deleted", true}, {"data", nullptr}}}},
      {"next", "4"},
      {"has_more", false},
      {"head", 9}};
  ChangePage p = parse_change_page(page);
  REQUIRE(p.changes.size() == 2);
  CHECK(p.changes[0].data["name"] == "A");
  CHECK(p.changes[1].deleted);
  CHECK(p.next == "4");
  CHECK(p.head == 9);
  CHECK(parse_change(to_json(p.changes[0])).rev == 3);

  json bad = page;
  bad["changes"][0]["rev"] = "3";
  CHECK_THROWS_AS(parse_change_page(bad), ProtocolError);
  bad = page;
  bad["has_more"] = "no";
  CHECK_THROWS_AS(parse_change_page(bad), ProtocolError);
  bad = page;
  bad["next"] = "abc";
  CHECK_THROWS_AS(parse_change_page(bad), ProtocolError);
  bad = page;
  bad["changes"][0]["data"]["name"] = 7;
  CHECK_THROWS_AS(parse_change_page(bad), ProtocolError);
}

TEST_CASE("cursors parse strictly", "[codec]") {
  CHECK(parse_cursor("0") == 0);
  CHECK(parse_cursor("123456") == 123456);
  for (const char* bad : {"", "-1", "1x", "abc", "9999999999999999999", " 1"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_cursor(bad), ProtocolError);
  }
}

TEST_CASE("error bodies have the contract's shape", "[codec]") {
  json e = error_body("invalid_cursor", "bad cursor");
  CHECK(e["error"]["code"] == "invalid_cursor");
  CHECK(e["error"]["message"] == "bad cursor");
}
