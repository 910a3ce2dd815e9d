// The /changes page parser: a page is taken whole, or refused whole with a reason.

#include <catch2/catch.hpp>

#include "core/page_parser.hpp"
#include "core/protocol.hpp"

using namespace craftsync;
using nlohmann::json;

namespace {
const std::string kAda = "019b76da-a800-73f1-956e-eb2f2632d7bd";
const std::string kQuote = "019b76da-a800-73f1-956e-eb2f2632d7be";

json valid_page() {
  return {{"changes",
           {{{"entity", "customers"},
             {"id", kAda},
             {"rev", 11},
             {"deleted", false},
             {"data", {{"name", "Ada"}, {"city", "Paris"}, {"email", nullptr}}}},
            {{"entity", "quotes"}, {"id", kQuote}, {"rev", 12}, {"deleted", true}}}},
          {"next", "12"},
          {"has_more", true},
          {"head", 40},
          {"epoch", 7}};
}

const PulledPage& parse(PageParser& p, const json& page) {
  static std::string body;  // the views point into it until the next parse
  body = page.dump();
  return p.parse(body);
}
}  // namespace

TEST_CASE("page parser: records, tombstones and the page's fields", "[page_parser]") {
  PageParser p;
  const PulledPage& page = parse(p, valid_page());
  CHECK(page.next == "12");
  CHECK(page.has_more);
  CHECK(page.has_head);
  CHECK(page.head == 40);
  CHECK(page.epoch == 7);
  REQUIRE(page.changes.size() == 2);

  const PulledChange& ada = page.changes[0];
  CHECK(ada.entity == Entity::customers);
  CHECK(ada.id == kAda);
  CHECK(ada.rev == 11);
  CHECK_FALSE(ada.deleted);
  CHECK(ada.values[0] == std::optional<std::string_view>("Ada"));  // fields_of() order
  CHECK(ada.values[4] == std::optional<std::string_view>("Paris"));
  CHECK_FALSE(ada.values[1]);  // null
  CHECK_FALSE(ada.values[2]);  // absent
  json row = ada.to_row();
  CHECK(row["id"] == kAda);
  CHECK(row["name"] == "Ada");
  CHECK(row["city"] == "Paris");
  CHECK(row["phone"].is_null());
  CHECK(row.size() == 10);  // id and every customer field

  const PulledChange& q = page.changes[1];
  CHECK(q.entity == Entity::quotes);
  CHECK(q.deleted);
  CHECK(q.rev == 12);
  CHECK(q.to_row()["quote_number"].is_null());
}

TEST_CASE("page parser: what a page may leave out or add", "[page_parser]") {
  PageParser p;
  json page = valid_page();
  page.erase("head");
  page.erase("epoch");
  page["next"] = 12;  // a number cursor is taken as its text
  page["has_more"] = false;
  page["server_note"] = {{"nested", {1, 2, 3}}};  // unknown fields are ignored
  page["changes"][0]["origin"] = "elsewhere";
  page["changes"][0]["data"]["colour"] = "red";
  page["changes"][1]["data"] = nullptr;  // a tombstone may carry null data
  const PulledPage& got = parse(p, page);
  CHECK(got.next == "12");
  CHECK_FALSE(got.has_more);
  CHECK_FALSE(got.has_head);
  CHECK(got.head == 0);
  CHECK(got.epoch == 0);
  REQUIRE(got.changes.size() == 2);
  CHECK(got.changes[0].values[0] == std::optional<std::string_view>("Ada"));
  CHECK_FALSE(got.changes[0].to_row().contains("colour"));

  // Data before the entity is named still lands in the right fields.
  std::string body = R"({"changes":[{"data":{"status":"sent","total_amount":"9.00"},"rev":3,)"
                     R"("deleted":false,"id":")" +
                     kQuote + R"(","entity":"quotes"}],"next":"3","has_more":false})";
  const PulledPage& reordered = p.parse(body);
  REQUIRE(reordered.changes.size() == 1);
  json row = reordered.changes[0].to_row();
  CHECK(row["status"] == "sent");
  CHECK(row["total_amount"] == "9.00");

  // A parser reused for a page that says less reports none of the last page's fields.
  json empty = {{"changes", json::array()}, {"next", "0"}, {"has_more", false}};
  parse(p, valid_page());
  const PulledPage& after = parse(p, empty);
  CHECK(after.changes.empty());
  CHECK_FALSE(after.has_more);
  CHECK_FALSE(after.has_head);
  CHECK(after.epoch == 0);
}

TEST_CASE("page parser: a bad page is refused whole, with a reason", "[page_parser]") {
  struct Case {
    const char* what;
    std::function<void(json&)> mutate;
    const char* says;
  };
  // Wrong types are refused in simdjson's words ("... does not have the requested type").
  std::vector<Case> cases = {
      {"no changes", [](json& j) { j.erase("changes"); }, "missing 'changes'"},
      {"no next", [](json& j) { j.erase("next"); }, "missing 'changes', 'next'"},
      {"no has_more", [](json& j) { j.erase("has_more"); }, "'has_more'"},
      {"has_more a string", [](json& j) { j["has_more"] = "yes"; }, "requested type"},
      {"bad cursor", [](json& j) { j["next"] = "abc"; }, "cursor"},
      {"negative cursor", [](json& j) { j["next"] = -1; }, "cursor"},
      {"head a string", [](json& j) { j["head"] = "40"; }, "requested type"},
      // A negative head would look like a server restored from a backup (a full resync).
      {"negative head", [](json& j) { j["head"] = -5; }, "'head' is negative"},
      {"negative epoch", [](json& j) { j["epoch"] = -1; }, "'epoch' is negative"},
      {"unknown entity", [](json& j) { j["changes"][0]["entity"] = "widgets"; },
       "unknown entity 'widgets'"},
      {"id not a UUID", [](json& j) { j["changes"][1]["id"] = "42"; }, "'42' is not a UUID"},
      {"rev zero", [](json& j) { j["changes"][0]["rev"] = 0; }, "rev must be positive"},
      {"rev a string", [](json& j) { j["changes"][0]["rev"] = "11"; }, "requested type"},
      {"no rev", [](json& j) { j["changes"][0].erase("rev"); }, "lacks entity, id, rev"},
      {"deleted a number", [](json& j) { j["changes"][0]["deleted"] = 0; }, "requested type"},
      {"upsert without data", [](json& j) { j["changes"][0].erase("data"); }, "has no data"},
      {"number value", [](json& j) { j["changes"][0]["data"]["name"] = 5; },
       "field 'name' is not a string or null"},
      {"revs out of order", [](json& j) { j["changes"][1]["rev"] = 11; }, "not increasing"},
      {"changes not an array", [](json& j) { j["changes"] = json::object(); }, "requested type"},
      {"page not an object", [](json& j) { j = json::array(); }, "requested type"},
  };
  PageParser p;
  for (const auto& c : cases) {
    INFO(c.what);
    json j = valid_page();
    c.mutate(j);
    try {
      parse(p, j);
      FAIL("accepted: " << c.what);
    } catch (const ProtocolError& e) {
      CHECK(e.code() == "bad_response");
      CHECK_THAT(e.what(), Catch::StartsWith("server sent an invalid changes page: ") &&
                               Catch::Contains(c.says));
    }
  }
  for (std::string text : {"", "{", "not json", R"({"changes":[],"next":"1","has_more":false)",
                           R"({"changes":[],"next":"1","has_more":false} and more)"}) {
    INFO(text);
    CHECK_THROWS_AS(p.parse(text), ProtocolError);
  }
  // The parser is still good for the next page.
  CHECK(parse(p, valid_page()).changes.size() == 2);
}
