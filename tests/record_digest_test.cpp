// The digests `verify` compares: what changes a record's digest and what does not, and how
// buckets nest.

#include <catch2/catch.hpp>

#include "core/record_digest.hpp"
#include "core/verify_report.hpp"

using namespace craftsync;
using Values = std::vector<std::optional<std::string_view>>;

TEST_CASE("record digests see every field, the rev and null versus empty", "[unit][verify]") {
  const std::string id = "0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5b";
  Values row = {"Ada", std::nullopt, "Portland"};
  std::uint64_t base = record_digest(id, 3, row);
  CHECK(record_digest(id, 3, row) == base);
  CHECK(record_digest(id, 4, row) != base);
  CHECK(record_digest(id, 3, Values{"Ada", "", "Portland"}) != base);
  CHECK(record_digest(id, 3, Values{"Ada", std::nullopt, "Portlane"}) != base);
  CHECK(record_digest(id, 3, Values{"AdaPortland", std::nullopt, ""}) != base);
  CHECK(record_digest(id, 3, Values{std::nullopt, "Ada", "Portland"}) != base);
  CHECK(record_digest("0193a1b2-4c5d-7e6f-8a9b-0c1d2e3f4a5c", 3, row) != base);
}

TEST_CASE("bucket counts are powers of two, and buckets of 2N split those of N", "[unit][verify]") {
  CHECK(valid_bucket_count(1));
  CHECK(valid_bucket_count(256));
  CHECK(valid_bucket_count(65536));
  CHECK_FALSE(valid_bucket_count(0));
  CHECK_FALSE(valid_bucket_count(3));
  CHECK_FALSE(valid_bucket_count(131072));
  CHECK_FALSE(valid_bucket_count(-256));
  std::vector<int> used(256, 0);
  for (int i = 0; i < 4096; ++i) {
    std::string id = "id-" + std::to_string(i);
    std::uint32_t b = digest_bucket(id, 256);
    REQUIRE(b < 256);
    ++used[b];
    CHECK(digest_bucket(id, 512) / 2 == b);
    CHECK(digest_bucket(id, 1) == 0);
  }
  // 16 per bucket on average: none is empty or holds a quarter of the ids.
  for (int n : used) {
    CHECK(n > 0);
    CHECK(n < 1024);
  }
}

TEST_CASE("digest hex round-trips and refuses anything else", "[unit][verify]") {
  CHECK(digest_hex(0) == "0000000000000000");
  CHECK(digest_hex(0x9f86d081884c7d65ULL) == "9f86d081884c7d65");
  CHECK(parse_digest_hex("9f86d081884c7d65") == 0x9f86d081884c7d65ULL);
  CHECK_FALSE(parse_digest_hex("9F86D081884C7D65"));
  CHECK_FALSE(parse_digest_hex("9f86d081884c7d6"));
  CHECK_FALSE(parse_digest_hex("9f86d081884c7d6g"));
  CHECK_FALSE(parse_digest_hex("-f86d081884c7d65"));
}

TEST_CASE("a verify report words its outcome in one line", "[unit][verify]") {
  VerifyReport r;
  r.ok = true;
  r.entities.push_back({Entity::customers, 1200, 1200, 2, {}, {}, {}, 0});
  CHECK(r.summary() ==
        "Verified 1,200 records: this database holds what the server holds (2 with pending "
        "changes)");
  r.ok = false;
  r.entities.push_back({Entity::quotes, 5, 6, 0, {"a"}, {"b"}, {"c"}, 0});
  CHECK(r.summary() == "3 records differ from the server (3 quotes)");
  r.repair_ran = true;
  r.repaired = 3;
  CHECK(r.summary() == "3 records differ from the server (3 quotes); repair fixed 3");
  CHECK(r.to_json()["entities"]["quotes"]["missing_locally"] == nlohmann::json::array({"a"}));
  r.repair_ran = false;
  r.entities.push_back({Entity::orders, 1, 1, 0, {}, {}, {"d"}, 0});
  CHECK(r.summary() == "4 records differ from the server (3 quotes, 1 order)");
}
