// The three-way, field-level merge: a table of cases.

#include <catch2/catch.hpp>

#include "core/merge.hpp"

using namespace craftsync;
using nlohmann::json;

namespace {

json customer(const std::string& name, const std::string& city, const std::string& phone = "555") {
  return {{"id", "c1"},
          {"name", name},
          {"city", city},
          {"phone", phone},
          {"email", nullptr},
          {"address", nullptr},
          {"state", nullptr},
          {"zip", nullptr},
          {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"}};
}

struct Case {
  const char* what;
  RecordState base, local, remote;
  ConflictPolicy policy;
  RecordState expect;  // merged
  std::vector<std::string> conflicts;
  std::vector<std::string> auto_merged;
  bool delete_conflict, needs_person, needs_push;
};

}  // namespace

TEST_CASE("three-way merge table", "[merge][conflict]") {
  json base = customer("Ada", "Paris");
  std::vector<Case> cases = {
      {"nobody changed anything",
       base,
       base,
       base,
       ConflictPolicy::remote,
       base,
       {},
       {},
       false,
       false,
       false},
      {"only local changed",
       base,
       customer("Ada", "Rome"),
       base,
       ConflictPolicy::remote,
       customer("Ada", "Rome"),
       {},
       {},
       false,
       false,
       true},
      {"only remote changed",
       base,
       base,
       customer("Ada", "Oslo"),
       ConflictPolicy::remote,
       customer("Ada", "Oslo"),
       {},
       {"city"},
       false,
       false,
       false},
      {"disjoint edits merge",
       base,
       customer("Ada", "Rome"),
       customer("Ada K", "Paris"),
       ConflictPolicy::manual,
       customer("Ada K", "Rome"),
       {},
       {"name"},
       false,
       false,
       true},
      {"same change on both sides",
       base,
       customer("Ada", "Rome"),
       customer("Ada", "Rome"),
       ConflictPolicy::manual,
       customer("Ada", "Rome"),
       {},
       {},
       false,
       false,
       false},
      {"true conflict, remote wins",
       base,
       customer("Ada", "Rome"),
       customer("Ada", "Oslo"),
       ConflictPolicy::remote,
       customer("Ada", "Oslo"),
       {"city"},
       {},
       false,
       false,
       false},
      {"true conflict, local wins",
       base,
       customer("Ada", "Rome"),
       customer("Ada", "Oslo"),
       ConflictPolicy::local,
       customer("Ada", "Rome"),
       {"city"},
       {},
       false,
       false,
       true},
      {"true conflict, manual keeps local for now",
       base,
       customer("Ada", "Rome"),
       customer("Ada", "Oslo"),
       ConflictPolicy::manual,
       customer("Ada", "Rome"),
       {"city"},
       {},
       false,
       true,
       true},
      {"conflict plus a disjoint edit, remote policy",
       base,
       customer("Ada", "Rome", "111"),
       customer("Ada", "Oslo", "555"),
       ConflictPolicy::remote,
       customer("Ada", "Oslo", "111"),
       {"city"},
       {},
       false,
       false,
       true},
      {"two conflicting fields",
       base,
       customer("Bo", "Rome"),
       customer("Cy", "Oslo"),
       ConflictPolicy::manual,
       customer("Bo", "Rome"),
       {"name", "city"},
       {},
       false,
       true,
       true},
      {"both deleted",
       base,
       std::nullopt,
       std::nullopt,
       ConflictPolicy::manual,
       std::nullopt,
       {},
       {},
       false,
       false,
       false},
      {"local delete, remote untouched",
       base,
       std::nullopt,
       base,
       ConflictPolicy::manual,
       std::nullopt,
       {},
       {},
       false,
       false,
       true},
      {"remote delete, local untouched",
       base,
       base,
       std::nullopt,
       ConflictPolicy::manual,
       std::nullopt,
       {},
       {},
       false,
       false,
       false},
      {"local delete vs remote edit, remote policy",
       base,
       std::nullopt,
       customer("Ada", "Oslo"),
       ConflictPolicy::remote,
       customer("Ada", "Oslo"),
       {},
       {},
       true,
       false,
       false},
      {"local delete vs remote edit, local policy",
       base,
       std::nullopt,
       customer("Ada", "Oslo"),
       ConflictPolicy::local,
       std::nullopt,
       {},
       {},
       true,
       false,
       true},
      {"local edit vs remote delete, remote policy",
       base,
       customer("Ada", "Rome"),
       std::nullopt,
       ConflictPolicy::remote,
       std::nullopt,
       {},
       {},
       true,
       false,
       false},
      {"local edit vs remote delete, local policy",
       base,
       customer("Ada", "Rome"),
       std::nullopt,
       ConflictPolicy::local,
       customer("Ada", "Rome"),
       {},
       {},
       true,
       false,
       true},
      {"local edit vs remote delete, manual",
       base,
       customer("Ada", "Rome"),
       std::nullopt,
       ConflictPolicy::manual,
       customer("Ada", "Rome"),
       {},
       {},
       true,
       true,
       true},
      {"no base: differing fields conflict",
       std::nullopt,
       customer("Ada", "Rome"),
       customer("Ada", "Oslo"),
       ConflictPolicy::manual,
       customer("Ada", "Rome"),
       {"city"},
       {},
       false,
       true,
       true},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    MergeResult r = merge_records(Entity::customers, c.base, c.local, c.remote, c.policy);
    CHECK(r.conflicts == c.conflicts);
    CHECK(r.auto_merged == c.auto_merged);
    CHECK(r.delete_conflict == c.delete_conflict);
    CHECK(r.needs_person == c.needs_person);
    CHECK(r.needs_push == c.needs_push);
    REQUIRE(r.merged.has_value() == c.expect.has_value());
    if (c.expect) CHECK(same_user_fields(Entity::customers, *r.merged, *c.expect));
  }
}

TEST_CASE("timestamps and server numbers never conflict", "[merge]") {
  json base = {{"id", "q1"},
               {"quote_number", nullptr},
               {"customer_id", "c"},
               {"total_amount", "1.00"},
               {"status", "draft"},
               {"created_at", "2026-01-01T00:00:00Z"},
               {"updated_at", "2026-01-01T00:00:00Z"}};
  json local = base, remote = base;
  local["quote_number"] = "Q-PENDING-1";
  local["updated_at"] = "2026-03-01T00:00:00Z";
  remote["quote_number"] = "Q-2026-000007";
  remote["updated_at"] = "2026-02-01T00:00:00Z";
  remote["status"] = "sent";
  MergeResult r = merge_records(Entity::quotes, base, local, remote, ConflictPolicy::manual);
  CHECK(r.conflicts.empty());
  CHECK((*r.merged)["quote_number"] == "Q-2026-000007");
  CHECK((*r.merged)["updated_at"] == "2026-03-01T00:00:00Z");
  CHECK((*r.merged)["status"] == "sent");
  CHECK_FALSE(r.needs_push);
}

TEST_CASE("policies parse by name", "[merge]") {
  CHECK(parse_policy("manual") == ConflictPolicy::manual);
  CHECK(policy_name(ConflictPolicy::local) == "local");
  CHECK_FALSE(parse_policy("mine").has_value());
}
