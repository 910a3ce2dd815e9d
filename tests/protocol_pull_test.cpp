// Pulling changes: pagination, resume, filters, direct SQL edits, tombstones, resync.

#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;

namespace {
void check_strictly_increasing(const std::vector<json>& changes) {
  std::set<std::string> ids;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i > 0)
      REQUIRE(changes[i]["rev"].get<std::int64_t>() > changes[i - 1]["rev"].get<std::int64_t>());
    REQUIRE(ids.insert(changes[i]["entity"].get<std::string>() + "/" +
                       changes[i]["id"].get<std::string>())
                .second);
  }
}
}  // namespace

TEST_CASE("paging through a seeded server sees every record once, in rev order", "[pull]") {
  ServerProcess server(server_args({"--seed-demo", "300", "--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  std::int64_t head = head_rev(http);
  REQUIRE(head > 300);

  auto all = pull_all(http, "0", 37);
  CHECK(static_cast<std::int64_t>(all.size()) == head);  // creates only: one rev per record
  check_strictly_increasing(all);
  CHECK(all.back()["rev"] == head);

  SECTION("resuming from a cursor returns exactly the rest") {
    auto first = http.get("/api/v1/changes?after=0&limit=100").json();
    REQUIRE(first["has_more"] == true);
    auto rest = pull_all(http, first["next"].get<std::string>(), 53);
    REQUIRE(rest.size() == all.size() - 100);
    for (std::size_t i = 0; i < rest.size(); ++i) CHECK(rest[i] == all[i + 100]);
  }

  SECTION("an empty page keeps the cursor and says no more") {
    auto end = http.get("/api/v1/changes?after=" + std::to_string(head)).json();
    CHECK(end["changes"].empty());
    CHECK(end["next"] == std::to_string(head));
    CHECK(end["has_more"] == false);
  }

  SECTION("the entities filter returns only those entities, still in order") {
    auto quotes = pull_all(http, "0", 41, "quotes");
    REQUIRE(!quotes.empty());
    for (const auto& c : quotes) CHECK(c["entity"] == "quotes");
    check_strictly_increasing(quotes);
    std::size_t expected = 0;
    for (const auto& c : all) expected += c["entity"] == "quotes";
    CHECK(quotes.size() == expected);
  }
}

TEST_CASE("the page limit is capped and defaults to 1000", "[pull]") {
  ServerProcess server(server_args({"--seed-demo", "2500", "--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  REQUIRE(head_rev(http) > 5000);
  auto big = http.get("/api/v1/changes?after=0&limit=100000").json();
  CHECK(big["changes"].size() == 5000);
  CHECK(big["has_more"] == true);
  auto dflt = http.get("/api/v1/changes?after=0").json();
  CHECK(dflt["changes"].size() == 1000);
  auto huge = http.get("/api/v1/changes?after=0&limit=99999999999").json();
  CHECK(huge["changes"].size() == 5000);
}

TEST_CASE("seeded quotes and orders carry server numbers and valid references", "[pull][seed]") {
  ServerProcess server(server_args({"--seed-demo", "50", "--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  std::set<std::string> customers, quotes, numbers;
  std::regex qn(R"(Q-\d{4}-\d{6})"), on(R"(O-\d{4}-\d{6})");
  for (const auto& c : pull_all(http)) {
    const auto& d = c["data"];
    if (c["entity"] == "customers") {
      customers.insert(c["id"]);
      CHECK_FALSE(d["name"].get<std::string>().empty());
    } else if (c["entity"] == "quotes") {
      quotes.insert(c["id"]);
      CHECK(customers.count(d["customer_id"]) == 1);
      CHECK(std::regex_match(d["quote_number"].get<std::string>(), qn));
      CHECK(numbers.insert(d["quote_number"]).second);
    } else {
      CHECK(quotes.count(d["quote_id"]) == 1);
      CHECK(std::regex_match(d["order_number"].get<std::string>(), on));
      CHECK(numbers.insert(d["order_number"]).second);
    }
  }
  CHECK(customers.size() == 50);
}

TEST_CASE("rows changed directly with SQL (sqlite3 or psql) are synced like any other",
          "[pull][sql]") {
  ServerProcess server(server_args({"--seed-demo", "20", "--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  auto before = pull_all(http);
  std::int64_t head = head_rev(http);
  std::string victim = before.front()["id"];

  direct_sql(server.db_path(),
             "UPDATE customers SET name = 'Edited By Admin' WHERE id = '" + victim + "'");
  std::string fresh = craftsync::new_uuid_v7();
  direct_sql(server.db_path(),
             "INSERT INTO customers (id, name) VALUES ('" + fresh + "', 'Inserted By SQL')");

  auto delta = pull_all(http, std::to_string(head));
  REQUIRE(delta.size() == 2);
  CHECK(delta[0]["id"] == victim);
  CHECK(delta[0]["data"]["name"] == "Edited By Admin");
  CHECK(delta[0]["rev"].get<std::int64_t>() == head + 1);
  CHECK(delta[1]["id"] == fresh);
  CHECK(delta[1]["data"]["name"] == "Inserted By SQL");

  direct_sql(server.db_path(), "DELETE FROM customers WHERE id = '" + fresh + "'");
  auto del = pull_all(http, std::to_string(head + 2));
  REQUIRE(del.size() == 1);
  CHECK(del[0]["deleted"] == true);
  CHECK(del[0]["data"].is_null());
}

// PostgreSQL logs a statement's rows in one trigger call per statement (schema 7), SQLite one
// row at a time: either way each row changed by one statement gets a rev of its own, a key
// change leaves a tombstone, and every replaced revision stays in the record's history.
TEST_CASE("one SQL statement that changes many rows logs each of them", "[pull][sql]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(craftsync::new_uuid_v7());
  std::string values;
  for (std::size_t i = 0; i < ids.size(); ++i)
    values += std::string(i ? ", " : "") + "('" + ids[i] + "', 'Row " + std::to_string(i) + "')";
  direct_sql(server.db_path(), "INSERT INTO customers (id, name) VALUES " + values);
  auto created = pull_all(http);
  REQUIRE(created.size() == 4);
  check_strictly_increasing(created);
  std::int64_t head = head_rev(http);

  // Three rows in one UPDATE, and one that matches nothing.
  direct_sql(server.db_path(), "UPDATE customers SET city = 'Tromso' WHERE id IN ('" + ids[0] +
                                   "', '" + ids[1] + "', '" + ids[2] + "')");
  direct_sql(server.db_path(), "UPDATE customers SET city = 'Nowhere' WHERE id = 'none'");
  auto updated = pull_all(http, std::to_string(head));
  REQUIRE(updated.size() == 3);
  check_strictly_increasing(updated);
  for (const auto& c : updated) CHECK(c["data"]["city"] == "Tromso");
  CHECK(head_rev(http) == head + 3);
  json history = http.get("/api/v1/customers/" + ids[0] + "/history").json();
  REQUIRE(history["revisions"].size() == 2);  // the current revision, and the one it replaced
  CHECK(history["revisions"][1]["data"]["city"].is_null());

  // A key change: the old id's tombstone, and the record under its new id.
  std::string renamed = craftsync::new_uuid_v7();
  direct_sql(server.db_path(),
             "UPDATE customers SET id = '" + renamed + "' WHERE id = '" + ids[3] + "'");
  auto rekeyed = pull_all(http, std::to_string(head + 3));
  REQUIRE(rekeyed.size() == 2);
  CHECK(rekeyed[0]["id"] == ids[3]);
  CHECK(rekeyed[0]["deleted"] == true);
  CHECK(rekeyed[1]["id"] == renamed);
  CHECK(rekeyed[1]["data"]["name"] == "Row 3");

  // Two rows in one DELETE.
  direct_sql(server.db_path(),
             "DELETE FROM customers WHERE id IN ('" + ids[0] + "', '" + ids[1] + "')");
  auto removed = pull_all(http, std::to_string(head + 5));
  REQUIRE(removed.size() == 2);
  check_strictly_increasing(removed);
  for (const auto& c : removed) CHECK(c["deleted"] == true);
  auto all = pull_all(http);
  check_strictly_increasing(all);  // each key once, at its latest rev
  CHECK(all.size() == 5);          // the four first ids and the new one
}

TEST_CASE("deletes leave tombstones, and purged tombstones force a resync", "[pull][tombstone]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string a = craftsync::new_uuid_v7(), b = craftsync::new_uuid_v7();
  auto r = push(http, "dev-t",
                json::array({upsert(1, "customers", a, std::nullopt, customer_data("A")),
                             upsert(2, "customers", b, std::nullopt, customer_data("B"))}))
               .json()["results"];
  std::int64_t rev_a = r[0]["rev"];
  auto d =
      push(http, "dev-t", json::array({remove(3, "customers", a, rev_a)})).json()["results"][0];
  REQUIRE(d["status"] == "applied");

  auto all = pull_all(http);
  REQUIRE(all.size() == 2);
  CHECK(all[0]["id"] == b);
  CHECK(all[1]["id"] == a);
  CHECK(all[1]["deleted"] == true);
  CHECK(all[1]["data"].is_null());
  CHECK(all[1]["rev"] == d["rev"]);
  CHECK(http.get("/api/v1/customers/" + a).status == 404);

  int code = -1;
  run_server_command({"purge-tombstones", "--db", server.db_path(), "--older-than-days", "0"},
                     &code);
  REQUIRE(code == 0);
  auto stale = http.get("/api/v1/changes?after=1");
  CHECK(stale.status == 410);
  CHECK(stale.error_code() == "resync_required");
  auto snapshot = pull_all(http, "0");
  REQUIRE(snapshot.size() == 1);
  CHECK(snapshot[0]["id"] == b);
  CHECK(http.get("/api/v1/changes?after=" + std::to_string(head_rev(http))).status == 200);
}

TEST_CASE("a cursor ahead of the server's log asks for a resync", "[pull][tombstone]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  auto a = http.get("/api/v1/changes?after=999");
  CHECK(a.status == 410);
  CHECK(a.error_code() == "resync_required");
  CHECK(a.json()["error"]["reason"] == "ahead");
  CHECK(a.json()["error"]["head"] == 0);
  CHECK(http.get("/api/v1/changes?after=0").json()["epoch"] == 0);
}

TEST_CASE("after-restore moves revs on, and older cursors re-snapshot with reason restored",
          "[pull][restore]") {
  TestDatabase db;
  std::int64_t head = 0;
  {
    ServerProcess server(server_on(db.location()));
    HttpClient http(server.url(), server.admin_key());
    push(http, "dev-r",
         json::array({upsert(1, "customers", craftsync::new_uuid_v7(), std::nullopt,
                             customer_data("Before"))}));
    head = head_rev(http);
    server.stop();
  }
  int code = -1;
  run_server_command({"after-restore", "--db", db.location(), "--rev-gap", "1000"}, &code);
  REQUIRE(code == 0);
  ServerProcess server(server_on(db.location()));
  HttpClient http(server.url(), server.admin_key());
  auto old = http.get("/api/v1/changes?after=" + std::to_string(head));
  CHECK(old.status == 410);
  CHECK(old.json()["error"]["reason"] == "restored");
  CHECK(old.json()["error"]["restored_head"] == head);
  auto fresh = http.get("/api/v1/changes?after=0").json();
  CHECK(fresh["epoch"] == head + 1000);
  CHECK(fresh["changes"].size() == 1);
  auto next = push(http, "dev-r",
                   json::array({upsert(2, "customers", craftsync::new_uuid_v7(), std::nullopt,
                                       customer_data("After"))}));
  CHECK(next.json()["results"][0]["rev"].get<std::int64_t>() > head + 1000);
  auto later = http.get("/api/v1/changes?after=" + std::to_string(head + 1000));
  CHECK(later.status == 200);
  CHECK(later.json()["changes"].size() == 1);
}
