// Field validation and UUIDs.

#include <set>

#include <catch2/catch.hpp>

#include "core/record_validation.hpp"
#include "core/uuid.hpp"

using namespace craftsync;
using nlohmann::json;

TEST_CASE("amounts are exact two-digit decimals", "[validation]") {
  for (const char* ok : {"0.00", "1250.00", "9999999999999.99", "10.50"})
    CHECK(is_valid_amount(ok));
  for (const char* bad :
       {"", "12", "12.5", "12.500", "-1.00", "1e3", "01.00", ".50", "12,00", "1 .00"})
    CHECK_FALSE(is_valid_amount(bad));
}

TEST_CASE("timestamps are ISO 8601 UTC", "[validation]") {
  CHECK(is_valid_timestamp("2026-11-26T21:57:54Z"));
  CHECK(is_valid_timestamp("2026-11-26T21:57:54.123Z"));
  CHECK_FALSE(is_valid_timestamp("2026-11-26 21:57:54Z"));
  CHECK_FALSE(is_valid_timestamp("2026-11-26T21:57:54+01:00"));
  CHECK_FALSE(is_valid_timestamp("2026-11-26T21:57:54.Z"));
}

TEST_CASE("value errors name each bad field", "[validation]") {
  json quote = {{"customer_id", "nope"}, {"total_amount", "12.5"}, {"status", "won"}};
  auto errors = value_errors(Entity::quotes, quote);
  std::set<std::string> fields;
  for (const auto& e : errors) fields.insert(e.field);
  CHECK(fields == std::set<std::string>{"customer_id", "total_amount", "status"});

  json customer = {{"name", ""}, {"email", "no-at-sign"}, {"zip", std::string(30, '9')}};
  errors = value_errors(Entity::customers, customer);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].code == "required");
  CHECK(errors[1].code == "invalid_format");
  CHECK(errors[2].code == "too_long");

  CHECK(value_errors(Entity::customers, {{"name", "Ada"}}).empty());
}

TEST_CASE("shape errors catch unknown fields and wrong types", "[validation]") {
  CHECK(shape_error(Entity::customers, json::array()).has_value());
  CHECK(shape_error(Entity::customers, {{"colour", "red"}})->find("unknown field") == 0);
  CHECK(shape_error(Entity::customers, {{"name", 1}}).has_value());
  CHECK(shape_error(Entity::customers, {{"name", json::array()}}).has_value());
  CHECK_FALSE(shape_error(Entity::customers, {{"name", nullptr}, {"id", "x"}}).has_value());
}

TEST_CASE("UUIDv7 values are valid, unique and time-ordered", "[uuid]") {
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string u = new_uuid_v7();
    CHECK(is_valid_uuid(u));
    CHECK(u[14] == '7');
    CHECK(seen.insert(u).second);
    CHECK(u.substr(0, 13) >= prev.substr(0, std::min<std::size_t>(13, prev.size())));
    prev = u;
  }
  CHECK(make_uuid_v7(1, 2, 3) == make_uuid_v7(1, 2, 3));
  CHECK_FALSE(is_valid_uuid("019b76da-a800-73f1-956e-eb2f2632d7b"));
  CHECK_FALSE(is_valid_uuid("019b76da_a800-73f1-956e-eb2f2632d7bd"));
  CHECK_FALSE(is_valid_uuid("019b76da-a800-73f1-956e-eb2f2632d7bg"));
}
