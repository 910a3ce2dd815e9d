// Pushing mutations: every verdict, exactly-once retry, conflicts, assigned numbers, and the
// admin entity routes.

#include <regex>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync::test;
using craftsync::new_uuid_v7;

TEST_CASE("applied: creates get a rev, timestamps and server numbers", "[push]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string c = new_uuid_v7(), q = new_uuid_v7(), o = new_uuid_v7();
  auto a =
      push(http, "dev-a",
           json::array({upsert(1, "customers", c, std::nullopt, customer_data("Ada")),
                        upsert(2, "quotes", q, std::nullopt, quote_data(c, "1250.00", "accepted")),
                        upsert(3, "orders", o, std::nullopt, order_data(q, c))}));
  REQUIRE(a.status == 200);
  auto results = a.json()["results"];
  REQUIRE(results.size() == 3);
  for (const auto& r : results) CHECK(r["status"] == "applied");
  CHECK(results[0]["rev"] == 1);
  CHECK(results[1]["rev"] == 2);
  CHECK(results[0]["assigned"].contains("created_at"));
  CHECK(std::regex_match(results[1]["assigned"]["quote_number"].get<std::string>(),
                         std::regex(R"(Q-\d{4}-\d{6})")));
  CHECK(std::regex_match(results[2]["assigned"]["order_number"].get<std::string>(),
                         std::regex(R"(O-\d{4}-\d{6})")));

  auto got = http.get("/api/v1/quotes/" + q).json();
  CHECK(got["total_amount"] == "1250.00");
  CHECK(got["quote_number"] == results[1]["assigned"]["quote_number"]);
  CHECK(got["rev"] == 2);
}

TEST_CASE("a number an admin used by hand is skipped, not a 500", "[push][sql]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string c = new_uuid_v7();
  push(http, "dev-a",
       json::array({upsert(1, "customers", c, std::nullopt, customer_data("Numbers"))}));
  std::string year =
      http.get("/api/v1/session").json()["server_time"].get<std::string>().substr(0, 4);
  std::string taken = "Q-" + year + "-000001";
  direct_sql(server.db_path(),
             "INSERT INTO quotes (id, quote_number, customer_id, total_amount, status) VALUES ('" +
                 new_uuid_v7() + "', '" + taken + "', '" + c + "', '1.00', 'draft')");
  auto r = push(http, "dev-a",
                json::array({upsert(2, "quotes", new_uuid_v7(), std::nullopt, quote_data(c))}));
  REQUIRE(r.status == 200);
  auto result = r.json()["results"][0];
  CHECK(result["status"] == "applied");
  CHECK(result["assigned"]["quote_number"] == "Q-" + year + "-000002");
}

TEST_CASE("conflict: a stale base rev gets the current server row", "[push][conflict]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string c = new_uuid_v7();
  std::int64_t rev1 =
      push(http, "dev-a",
           json::array({upsert(1, "customers", c, std::nullopt, customer_data("Ada"))}))
          .json()["results"][0]["rev"];
  auto edit =
      push(http, "dev-a", json::array({upsert(2, "customers", c, rev1, {{"city", "Austin"}})}))
          .json()["results"][0];
  REQUIRE(edit["status"] == "applied");
  std::int64_t rev2 = edit["rev"];
  CHECK(rev2 > rev1);

  auto stale =
      push(http, "dev-b", json::array({upsert(1, "customers", c, rev1, {{"name", "Bob"}})}))
          .json()["results"][0];
  CHECK(stale["status"] == "conflict");
  CHECK(stale["rev"] == rev2);
  CHECK(stale["server"]["city"] == "Austin");
  CHECK(stale["server"]["name"] == "Ada");
  CHECK(stale["deleted"] == false);
  CHECK(http.get("/api/v1/customers/" + c).json()["name"] == "Ada");

  SECTION("a create of an existing id is a conflict too") {
    auto dup = push(http, "dev-b",
                    json::array({upsert(2, "customers", c, std::nullopt, customer_data("Dup"))}))
                   .json()["results"][0];
    CHECK(dup["status"] == "conflict");
  }
  SECTION("delete versus edit is a conflict, not a silent win") {
    auto del =
        push(http, "dev-b", json::array({remove(3, "customers", c, rev2)})).json()["results"][0];
    REQUIRE(del["status"] == "applied");
    auto late =
        push(http, "dev-a", json::array({upsert(3, "customers", c, rev2, {{"phone", "555"}})}))
            .json()["results"][0];
    CHECK(late["status"] == "conflict");
    CHECK(late["deleted"] == true);
    CHECK(late["server"].is_null());
    // Having seen the tombstone, a client may restore the record on top of it.
    auto restore = push(http, "dev-a",
                        json::array({upsert(4, "customers", c, late["rev"].get<std::int64_t>(),
                                            customer_data("Ada Restored"))}))
                       .json()["results"][0];
    CHECK(restore["status"] == "applied");
    CHECK(http.get("/api/v1/customers/" + c).json()["name"] == "Ada Restored");
  }
  SECTION("a delete with a stale base is a conflict") {
    auto del =
        push(http, "dev-b", json::array({remove(3, "customers", c, rev1)})).json()["results"][0];
    CHECK(del["status"] == "conflict");
    CHECK(http.get("/api/v1/customers/" + c).status == 200);
  }
}

TEST_CASE("rejected: field errors, and only that mutation is refused", "[push][rejected]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string c = new_uuid_v7(), ghost = new_uuid_v7();
  std::int64_t head0 = head_rev(http);
  auto res =
      push(http, "dev-a",
           json::array(
               {upsert(1, "quotes", new_uuid_v7(), std::nullopt, quote_data(ghost)),
                upsert(2, "customers", c, std::nullopt, customer_data("Kept")),
                upsert(3, "quotes", new_uuid_v7(), std::nullopt, quote_data(c, "12.5", "won")),
                upsert(4, "quotes", new_uuid_v7(), std::nullopt,
                       {{"customer_id", c},
                        {"total_amount", "1.00"},
                        {"status", "draft"},
                        {"quote_number", "Q-9999-000001"}}),
                upsert(5, "customers", new_uuid_v7(), std::nullopt, {{"email", "x@y"}})}))
          .json()["results"];
  REQUIRE(res.size() == 5);
  CHECK(res[0]["status"] == "rejected");
  CHECK(res[0]["errors"][0]["field"] == "customer_id");
  CHECK(res[0]["errors"][0]["code"] == "fk_missing");
  CHECK(res[1]["status"] == "applied");
  CHECK(res[2]["status"] == "rejected");
  CHECK(res[2]["errors"].size() == 2);
  CHECK(res[3]["status"] == "rejected");
  CHECK(res[3]["errors"][0]["code"] == "server_owned");
  CHECK(res[4]["status"] == "rejected");
  CHECK(res[4]["errors"][0]["code"] == "required");
  CHECK(head_rev(http) == head0 + 1);  // only the valid customer was written

  SECTION("deleting a parent that still has children is rejected") {
    std::string q = new_uuid_v7();
    push(http, "dev-a", json::array({upsert(6, "quotes", q, std::nullopt, quote_data(c))}));
    std::int64_t rev = http.get("/api/v1/customers/" + c).json()["rev"];
    auto del =
        push(http, "dev-a", json::array({remove(7, "customers", c, rev)})).json()["results"][0];
    CHECK(del["status"] == "rejected");
    CHECK(del["errors"][0]["code"] == "has_children");
  }
  SECTION("a null server number in a patch leaves the number alone") {
    std::string q = new_uuid_v7();
    auto r = push(http, "dev-a", json::array({upsert(6, "quotes", q, std::nullopt, quote_data(c))}))
                 .json()["results"][0];
    auto up = push(http, "dev-a",
                   json::array({upsert(
                       7, "quotes", q, r["rev"].get<std::int64_t>(),
                       {{"quote_number", nullptr}, {"created_at", nullptr}, {"status", "sent"}})}))
                  .json()["results"][0];
    CHECK(up["status"] == "applied");
    auto row = http.get("/api/v1/quotes/" + q).json();
    CHECK(row["quote_number"] == r["assigned"]["quote_number"]);
    CHECK(row["created_at"] == r["assigned"]["created_at"]);
    CHECK(row["status"] == "sent");
  }
  SECTION("echoing a server number unchanged on update is allowed") {
    std::string q = new_uuid_v7();
    auto r = push(http, "dev-a", json::array({upsert(6, "quotes", q, std::nullopt, quote_data(c))}))
                 .json()["results"][0];
    std::string number = r["assigned"]["quote_number"];
    auto up = push(http, "dev-a",
                   json::array({upsert(7, "quotes", q, r["rev"].get<std::int64_t>(),
                                       {{"quote_number", number}, {"status", "sent"}})}))
                  .json()["results"][0];
    CHECK(up["status"] == "applied");
    auto bad = push(http, "dev-a",
                    json::array({upsert(8, "quotes", q, up["rev"].get<std::int64_t>(),
                                        {{"quote_number", "Q-0000-000000"}})}))
                   .json()["results"][0];
    CHECK(bad["status"] == "rejected");
  }
}

TEST_CASE("a retried batch is applied once and gets the same verdicts", "[push][idempotent]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string c = new_uuid_v7(), q = new_uuid_v7();
  json batch =
      json::array({upsert(10, "customers", c, std::nullopt, customer_data("Once")),
                   upsert(11, "quotes", q, std::nullopt, quote_data(c)),
                   upsert(12, "quotes", new_uuid_v7(), std::nullopt, quote_data(new_uuid_v7()))});
  auto first = push(http, "dev-retry", batch);
  std::int64_t head = head_rev(http);
  auto second = push(http, "dev-retry", batch);
  REQUIRE(first.status == 200);
  REQUIRE(second.status == 200);
  CHECK(first.json() == second.json());
  CHECK(head_rev(http) == head);
  CHECK(pull_all(http).size() == 2);

  SECTION("another device sending the same seqs is a different stream") {
    auto other = push(http, "dev-other",
                      json::array({upsert(10, "customers", new_uuid_v7(), std::nullopt,
                                          customer_data("Other"))}));
    CHECK(other.json()["results"][0]["status"] == "applied");
    CHECK(head_rev(http) == head + 1);
  }
  SECTION("a replayed conflict shows the row as it is now") {
    std::int64_t rev = first.json()["results"][0]["rev"];
    push(http, "dev-x", json::array({upsert(1, "customers", c, rev, {{"city", "Boise"}})}));
    json stale = json::array({upsert(20, "customers", c, rev, {{"city", "Omaha"}})});
    auto c1 = push(http, "dev-retry", stale).json()["results"][0];
    push(http, "dev-x",
         json::array(
             {upsert(2, "customers", c, c1["rev"].get<std::int64_t>(), {{"city", "Tucson"}})}));
    auto c2 = push(http, "dev-retry", stale).json()["results"][0];
    CHECK(c1["status"] == "conflict");
    CHECK(c2["status"] == "conflict");
    CHECK(c2["server"]["city"] == "Tucson");
    CHECK(c2["rev"].get<std::int64_t>() > c1["rev"].get<std::int64_t>());
  }
}

TEST_CASE("retry: a busy database answers retry, records nothing, and the resend applies",
          "[push][retry]") {
  ServerProcess server(server_args({"--busy-timeout-ms", "200", "--quiet"}));
  HttpClient http(server.url(), server.admin_key());
  json batch =
      json::array({upsert(1, "customers", new_uuid_v7(), std::nullopt, customer_data("Busy"))});

  HttpAnswer busy;
  {
    // An admin's long transaction: SQLite's file lock, or PostgreSQL's table locks.
    HeldWriteLock lock(server.db_path());
    busy = push(http, "dev-busy", batch);
  }

  REQUIRE(busy.status == 200);
  CHECK(busy.json()["results"][0]["status"] == "retry");
  auto again = push(http, "dev-busy", batch);
  CHECK(again.json()["results"][0]["status"] == "applied");
  CHECK(head_rev(http) == 1);
}

TEST_CASE("admin entity routes read and write through the change log", "[push][rest]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  auto created = http.post("/api/v1/customers", customer_data("Rest Co"));
  REQUIRE(created.status == 201);
  std::string id = created.json()["id"];
  CHECK(created.json()["rev"] == 1);

  auto dup = http.post("/api/v1/customers", {{"id", id}, {"name", "Again"}});
  CHECK(dup.status == 409);
  auto put = http.request("PUT", "/api/v1/customers/" + id, json{{"city", "Denver"}}.dump());
  REQUIRE(put.status == 200);
  CHECK(put.json()["city"] == "Denver");
  CHECK(put.json()["name"] == "Rest Co");
  auto stale = http.request("PUT", "/api/v1/customers/" + id, json{{"city", "X"}}.dump(),
                            {"If-Match: \"1\""});
  CHECK(stale.status == 409);
  CHECK(stale.error_code() == "conflict");
  auto invalid = http.post("/api/v1/quotes", quote_data(new_uuid_v7()));
  CHECK(invalid.status == 422);
  CHECK(invalid.json()["error"]["errors"][0]["code"] == "fk_missing");

  for (int i = 0; i < 4; ++i)
    http.post("/api/v1/customers", customer_data("C" + std::to_string(i)));
  auto page1 = http.get("/api/v1/customers?limit=3").json();
  REQUIRE(page1["records"].size() == 3);
  auto page2 =
      http.get("/api/v1/customers?limit=3&after_id=" + page1["next_after_id"].get<std::string>())
          .json();
  CHECK(page2["records"].size() == 2);
  CHECK(page2["next_after_id"].is_null());

  auto del = http.request("DELETE", "/api/v1/customers/" + id);
  CHECK(del.status == 200);
  CHECK(http.get("/api/v1/customers/" + id).status == 404);
  CHECK(http.request("DELETE", "/api/v1/customers/" + id).status == 404);
  auto changes = pull_all(http);
  CHECK(changes.back()["id"] == id);
  CHECK(changes.back()["deleted"] == true);
}

TEST_CASE("a reused (device, seq) with other content is device_forked and changes nothing",
          "[push][idempotent][fork]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string a = new_uuid_v7(), b = new_uuid_v7();
  auto first =
      push(http, "dev-fork",
           json::array({upsert(1, "customers", a, std::nullopt, customer_data("A")),
                        upsert(2, "customers", new_uuid_v7(), std::nullopt, customer_data("A2"))}));
  REQUIRE(first.json()["results"][0]["status"] == "applied");
  CHECK(first.json()["device_max_seq"] == 2);
  std::int64_t head = head_rev(http);

  // The same seq 1, from a restored copy of the client, now carrying a different create; seq 3
  // is new and goes through in the same batch.
  std::string c = new_uuid_v7();
  auto forked = push(http, "dev-fork",
                     json::array({upsert(1, "customers", b, std::nullopt, customer_data("B")),
                                  upsert(3, "customers", c, std::nullopt, customer_data("C"))}));
  REQUIRE(forked.status == 200);
  json r = forked.json()["results"];
  CHECK(r[0]["status"] == "device_forked");
  CHECK(r[0]["rev"].is_null());
  CHECK(r[0]["message"].get<std::string>().find("restored from a backup or copied") !=
        std::string::npos);
  CHECK(r[1]["status"] == "applied");
  CHECK(forked.json()["device_max_seq"] == 3);
  CHECK(head_rev(http) == head + 1);  // only C was written
  CHECK(http.get("/api/v1/customers/" + b).status == 404);

  SECTION("the same content under the same seq is still a replay") {
    auto again = push(http, "dev-fork",
                      json::array({upsert(1, "customers", a, std::nullopt, customer_data("A"))}));
    CHECK(again.json()["results"][0] == first.json()["results"][0]);
  }
  SECTION("a forked mutation is not recorded: under a new device id it applies") {
    auto fresh = push(http, "dev-fork-2",
                      json::array({upsert(1, "customers", b, std::nullopt, customer_data("B"))}));
    CHECK(fresh.json()["results"][0]["status"] == "applied");
    CHECK(fresh.json()["device_max_seq"] == 1);
  }
  SECTION("a verdict recorded before fingerprints existed is trusted as before") {
    direct_sql(server.db_path(),
               "UPDATE device_results SET fingerprint = NULL WHERE device_id = 'dev-fork'");
    auto legacy = push(http, "dev-fork",
                       json::array({upsert(1, "customers", b, std::nullopt, customer_data("B"))}));
    CHECK(legacy.json()["results"][0]["status"] == "applied");
    CHECK(http.get("/api/v1/customers/" + b).status == 404);
  }
}

TEST_CASE("a refused delete carries the row the server keeps, also when replayed",
          "[push][rejected]") {
  ServerProcess server;
  HttpClient http(server.url(), server.admin_key());
  std::string c = new_uuid_v7(), q = new_uuid_v7();
  auto made = push(http, "dev-del",
                   json::array({upsert(1, "customers", c, std::nullopt, customer_data("Parent")),
                                upsert(2, "quotes", q, std::nullopt, quote_data(c))}));
  std::int64_t rev = made.json()["results"][0]["rev"];
  json del = json::array({remove(3, "customers", c, rev)});
  json first = push(http, "dev-del", del).json()["results"][0];
  CHECK(first["status"] == "rejected");
  CHECK(first["errors"][0]["code"] == "has_children");
  CHECK(first["rev"] == rev);
  CHECK(first["server"]["name"] == "Parent");
  CHECK(first["server"]["id"] == c);

  push(http, "dev-other", json::array({upsert(1, "customers", c, rev, {{"city", "Later"}})}));
  json replay = push(http, "dev-del", del).json()["results"][0];
  CHECK(replay["status"] == "rejected");
  CHECK(replay["server"]["city"] == "Later");  // the row as it is now
  CHECK(replay["rev"].get<std::int64_t>() > rev);
}
