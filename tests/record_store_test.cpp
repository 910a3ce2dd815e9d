// The record store: the user's edits, captured in the outbox, on a real local database.

#include <catch2/catch.hpp>

#include "core/record_names.hpp"
#include "core/record_validation.hpp"
#include "core/uuid.hpp"
#include "tests/support/local_db.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

TEST_CASE("record store: a create is captured as a new upsert", "[record_store]") {
  LocalDb l;
  json ada = l.store.create(Entity::customers, {{"name", "Ada"}, {"city", "Paris"}});
  std::string id = ada["id"];
  CHECK(is_valid_uuid(id));
  CHECK(ada["city"] == "Paris");
  CHECK(ada["email"].is_null());
  CHECK(is_valid_timestamp(ada["created_at"].get<std::string>()));
  CHECK(ada["updated_at"] == ada["created_at"]);
  CHECK(l.store.read_row(Entity::customers, id) == ada);

  auto info = l.store.sync_info(Entity::customers, id);
  REQUIRE(info);
  CHECK(info->state == "pending");
  CHECK(info->local_version == 1);
  CHECK_FALSE(info->remote_version);
  CHECK(info->base.is_null());
  CHECK_FALSE(info->provisional_number);

  auto out = l.store.outbox_for(Entity::customers, id);
  REQUIRE(out.size() == 1);
  CHECK(out[0].seq == 1);
  CHECK(out[0].op == Op::upsert);
  CHECK_FALSE(out[0].base_rev);
  CHECK(out[0].data == ada);
  CHECK(out[0].state == "queued");
  CHECK(out[0].attempts == 0);
  CHECK(out[0].device_id.empty());

  // A quote gets a provisional number until the server assigns one; seqs go on per device.
  json q = l.store.create(Entity::quotes,
                          {{"customer_id", id}, {"total_amount", "10.00"}, {"status", "draft"}});
  std::string qid = q["id"];
  CHECK(q["quote_number"] == "Q-PENDING-" + qid.substr(qid.size() - 8));
  CHECK(l.store.sync_info(Entity::quotes, qid)->provisional_number);
  REQUIRE(l.store.outbox_for(Entity::quotes, qid).size() == 1);
  CHECK(l.store.outbox_for(Entity::quotes, qid)[0].seq == 2);
}

TEST_CASE("record store: edits of an unsent record coalesce, and its delete forgets it",
          "[record_store]") {
  LocalDb l;
  json ada = l.store.create(Entity::customers, {{"id", kAda}, {"name", "Ada"}});
  json moved = l.store.update(Entity::customers, kAda, {{"city", "Rome"}});
  CHECK(moved["city"] == "Rome");
  CHECK(moved["created_at"] == ada["created_at"]);
  auto out = l.store.outbox_for(Entity::customers, kAda);
  REQUIRE(out.size() == 1);
  CHECK(out[0].seq == 1);
  CHECK(out[0].data["city"] == "Rome");
  CHECK(l.store.sync_info(Entity::customers, kAda)->local_version == 2);

  l.store.remove(Entity::customers, kAda);
  CHECK_FALSE(l.store.read_row(Entity::customers, kAda));
  CHECK(l.store.outbox_for(Entity::customers, kAda).empty());
  CHECK_FALSE(l.store.sync_info(Entity::customers, kAda));
}

TEST_CASE("record store: edits of a synced record carry its rev and keep the agreed base",
          "[record_store]") {
  LocalDb l;
  json agreed = l.seed_synced(Entity::customers, customer_row(kAda, "Ada", "Paris"), 7);
  l.store.update(Entity::customers, kAda, {{"city", "Rome"}});
  l.store.update(Entity::customers, kAda, {{"name", "Ada K"}});
  auto info = l.store.sync_info(Entity::customers, kAda);
  REQUIRE(info);
  CHECK(info->state == "pending");
  CHECK(info->remote_version == 7);
  CHECK(info->local_version == 2);
  CHECK(info->base == agreed);  // the state before the first edit, not the second
  auto out = l.store.outbox_for(Entity::customers, kAda);
  REQUIRE(out.size() == 1);
  CHECK(out[0].base_rev == 7);
  CHECK(out[0].data["name"] == "Ada K");
  CHECK(out[0].data["city"] == "Rome");

  // Once sent, an entry is never rewritten: the next edit is a new mutation.
  l.mark_inflight(Entity::customers, kAda);
  l.store.remove(Entity::customers, kAda);
  out = l.store.outbox_for(Entity::customers, kAda);
  REQUIRE(out.size() == 2);
  CHECK(out[0].state == "inflight");
  CHECK(out[0].op == Op::upsert);
  CHECK(out[1].seq == out[0].seq + 1);
  CHECK(out[1].op == Op::remove);
  CHECK(out[1].base_rev == 7);
  CHECK(out[1].data.is_null());
  CHECK(out[1].state == "queued");
  CHECK_FALSE(l.store.read_row(Entity::customers, kAda));
}

TEST_CASE("record store: deleting a record whose create is in flight still sends the delete",
          "[record_store]") {
  LocalDb l;
  l.store.create(Entity::customers, {{"id", kAda}, {"name", "Ada"}});
  l.mark_inflight(Entity::customers, kAda);
  l.store.remove(Entity::customers, kAda);
  auto out = l.store.outbox_for(Entity::customers, kAda);
  REQUIRE(out.size() == 2);
  CHECK(out[1].op == Op::remove);
  CHECK_FALSE(out[1].base_rev);
  CHECK(l.store.sync_info(Entity::customers, kAda)->state == "pending");
}

TEST_CASE("record store: a refused edit throws UserError and changes nothing", "[record_store]") {
  LocalDb l;
  l.store.create(Entity::customers, {{"id", kAda}, {"name", "Ada"}});
  json q = l.store.create(Entity::quotes,
                          {{"customer_id", kAda}, {"total_amount", "10.00"}, {"status", "draft"}});
  json before = *l.store.read_row(Entity::customers, kAda);
  constexpr Entity kC = Entity::customers, kQ = Entity::quotes;
  std::string qid = q["id"];
  struct Case {
    const char* what;
    Entity e;
    std::string id;  // empty: a create
    json fields;
    std::string says;
  };
  std::vector<Case> cases = {
      {"unknown field", kC, "", {{"name", "B"}, {"colour", "red"}}, "unknown field 'colour'"},
      {"number value", kC, "", {{"name", 5}}, "must be a string or null"},
      {"no name", kC, "", {{"city", "Oslo"}}, "name is required"},
      {"id not a UUID", kC, "", {{"id", "42"}, {"name", "B"}}, "id must be a UUID"},
      {"id taken", kC, "", {{"id", kAda}, {"name", "B"}}, "already exists"},
      {"bad email", kC, kAda, {{"email", "no-at"}}, "email must contain '@'"},
      {"id changed", kC, kAda, {{"id", kGone}}, "id cannot be changed"},
      {"unknown record", kC, kGone, {{"city", "Oslo"}}, "does not exist"},
      {"server number set",
       kQ,
       "",
       {{"customer_id", kAda},
        {"total_amount", "1.00"},
        {"status", "draft"},
        {"quote_number", "Q-1"}},
       "assigned by the server"},
      {"missing customer",
       kQ,
       "",
       {{"customer_id", kGone}, {"total_amount", "1.00"}, {"status", "draft"}},
       "customer_id: customers " + kGone + " does not exist"},
      {"moved to a missing customer", kQ, qid, {{"customer_id", kGone}}, "does not exist"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto edit = [&] {
      if (c.id.empty())
        l.store.create(c.e, c.fields);
      else
        l.store.update(c.e, c.id, c.fields);
    };
    CHECK_THROWS_WITH(edit(), Catch::Contains(c.says));
    CHECK_THROWS_AS(edit(), UserError);
  }
  CHECK_THROWS_WITH(l.store.remove(kC, kAda),
                    Catch::Contains("still has ") && Catch::Contains("; delete those first"));
  auto deps = l.store.dependents(kC, kAda);
  REQUIRE_FALSE(deps.empty());
  CHECK(dependents_text({{Entity::quotes, 2}, {Entity::orders, 1}}) == "2 quotes and 1 order");
  CHECK(dependents_text({{Entity::orders, 1}}) == "1 order");
  CHECK_THROWS_AS(l.store.remove(kC, kGone), UserError);
  CHECK(l.store.read_row(Entity::customers, kAda) == before);
  CHECK(l.store.count(Entity::customers, {}) == 1);
  CHECK(l.store.count(Entity::quotes, {}) == 1);
  CHECK(l.outbox_size() == 2);
}

TEST_CASE("record store: list and count filter by search text and sync state", "[record_store]") {
  LocalDb l;
  const std::pair<const char*, const char*> people[] = {
      {"Ada", "Paris"}, {"Bob", "Rome"}, {"Cy", "Paris"}};
  for (auto [name, city] : people)
    l.store.create(Entity::customers, {{"name", name}, {"city", city}});
  l.seed_synced(Entity::customers, customer_row(kAda, "Dee", "Paris"), 3);

  auto names = [&](const ListQuery& q) {
    std::vector<std::string> out;
    for (const json& row : l.store.list(Entity::customers, q))
      out.push_back(row["name"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(names({}) == std::vector<std::string>{"Ada", "Bob", "Cy", "Dee"});
  CHECK(names(list_query("Paris", "", 0, 100)) == std::vector<std::string>{"Ada", "Cy", "Dee"});
  CHECK(names(list_query("Paris", "pending", 0, 100)) == std::vector<std::string>{"Ada", "Cy"});
  CHECK(names(list_query("", "synced", 0, 100)) == std::vector<std::string>{"Dee"});
  CHECK(names(list_query("", "conflict", 0, 100)).empty());
  CHECK(l.store.count(Entity::customers, list_query("Paris", "", 0, 100)) == 3);
  CHECK(l.store.count(Entity::customers, list_query("", "pending", 0, 100)) == 3);

  // Pages in id order; count ignores the page.
  auto all = l.store.list(Entity::customers, {});
  auto first = l.store.list(Entity::customers, list_query("", "", 0, 3));
  auto rest = l.store.list(Entity::customers, list_query("", "", 3, 3));
  REQUIRE(all.size() == 4);
  REQUIRE(first.size() == 3);
  REQUIRE(rest.size() == 1);
  CHECK(first[0]["id"] < first[1]["id"]);
  CHECK(rest[0] == all[3]);
  CHECK(l.store.count(Entity::customers, list_query("", "", 0, 1)) == 4);
  // A negative page is an empty one, not the whole table.
  CHECK(l.store.list(Entity::customers, list_query("", "", 0, -1)).empty());
  CHECK(l.store.list(Entity::customers, list_query("", "", -3, 2)).size() == 2);
}

TEST_CASE("record store: search text is text, not a LIKE pattern", "[record_store]") {
  LocalDb l;
  for (const char* name : {"50% off", "a_b", "plain", "back\\slash"})
    l.store.create(Entity::customers, {{"name", name}});
  auto count = [&](const std::string& text) {
    return l.store.count(Entity::customers, list_query(text, ""));
  };
  CHECK(count("%") == 1);
  CHECK(count("_") == 1);
  CHECK(count("a_b") == 1);
  CHECK(count("\\") == 1);
  CHECK(count("0% o") == 1);
  CHECK(count("a") == 3);  // "plain", "a_b", "back\\slash"
}

TEST_CASE("record store: unknown records have no bookkeeping, and odd ids reach no SQL",
          "[record_store]") {
  LocalDb l;
  l.store.create(Entity::customers, {{"id", kAda}, {"name", "Ada"}});
  CHECK_FALSE(l.store.sync_info(Entity::customers, kGone));
  CHECK_FALSE(l.store.sync_info(Entity::quotes, kAda));  // the id, but another entity
  CHECK(l.store.outbox_for(Entity::customers, kGone).empty());
  CHECK(l.store.outbox_for(Entity::customers, "x' OR '1'='1").empty());
  CHECK(l.store.outbox_for(Entity::customers, kAda).size() == 1);
}

TEST_CASE("record store: a new device id is taken and the fork noted", "[record_store]") {
  LocalDb l;
  std::string first = l.store.device_id();
  CHECK(is_valid_uuid(first));
  CHECK(l.store.device_id() == first);
  ForkInfo none = l.store.fork_info();
  CHECK(none.at.empty());
  CHECK(none.count == 0);

  std::string second, third;
  {
    SqliteTxn txn(l.db);
    second = l.store.take_new_device_id("restored from a backup");
    txn.commit();
  }
  CHECK(second != first);
  CHECK(l.store.device_id() == second);
  ForkInfo f = l.store.fork_info();
  CHECK(f.previous_device_id == first);
  CHECK(f.reason == "restored from a backup");
  CHECK(is_valid_timestamp(f.at));
  CHECK(f.count == 1);

  {
    SqliteTxn txn(l.db);
    third = l.store.take_new_device_id("copied");
    txn.commit();
  }
  f = l.store.fork_info();
  CHECK(l.store.device_id() == third);
  CHECK(f.previous_device_id == second);
  CHECK(f.reason == "copied");
  CHECK(f.count == 2);
}

TEST_CASE("record store: browse names the referred records, searches and sorts by them",
          "[record_store]") {
  LocalDb l;
  json nora = l.store.create(Entity::customers, {{"name", "Nora Taylor"}, {"city", "Oslo"}});
  json bo = l.store.create(Entity::customers, {{"name", "bo Andersen"}, {"city", "Aarhus"}});
  auto quote = [&](const json& c, const char* amount) {
    return l.store.create(
        Entity::quotes, {{"customer_id", c["id"]}, {"total_amount", amount}, {"status", "draft"}});
  };
  json q1 = quote(nora, "900.00");
  json q2 = quote(bo, "1250.50");
  json q3 = quote(nora, "99.99");
  json order = l.store.create(Entity::orders, {{"quote_id", q2["id"]}, {"customer_id", bo["id"]}});

  const FieldSpec* ref = find_field(Entity::quotes, "customer_id");
  std::size_t at = static_cast<std::size_t>(ref - fields_of(Entity::quotes).data());
  auto rows = l.store.browse(Entity::quotes, {});
  REQUIRE(rows.size() == 3);
  for (std::size_t i = 1; i < rows.size(); ++i)  // by id (creation order) by default
    CHECK(rows[i - 1].row["id"].get<std::string>() < rows[i].row["id"].get<std::string>());
  for (const ListedRow& r : rows) {
    CHECK(r.names.at(at) == (r.row["id"] == q2["id"] ? "bo Andersen" : "Nora Taylor"));
    CHECK(r.state == "pending");
    CHECK(r.provisional_number);
    CHECK(r.names.at(0).empty());  // quote_number is no reference
  }

  // A quote search matches its customer's name; the count agrees.
  ListQuery by_name{"taylor", "", 0, 10};
  auto nora_quotes = l.store.browse(Entity::quotes, by_name);
  REQUIRE(nora_quotes.size() == 2);
  CHECK(l.store.count(Entity::quotes, by_name) == 2);
  auto orders = l.store.browse(Entity::orders, {"andersen", "", 0, 10});
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].row["id"] == order["id"]);

  // Amounts sort by value, not as text; references by the name, without regard to case.
  ListQuery by_amount{"", "", 0, 10, "total_amount", false};
  auto sorted = l.store.browse(Entity::quotes, by_amount);
  CHECK(sorted[0].row["id"] == q3["id"]);
  CHECK(sorted[1].row["id"] == q1["id"]);
  CHECK(sorted[2].row["id"] == q2["id"]);
  by_amount.descending = true;
  CHECK(l.store.browse(Entity::quotes, by_amount)[0].row["id"] == q2["id"]);
  ListQuery by_customer{"", "", 0, 10, "customer_id", false};
  CHECK(l.store.browse(Entity::quotes, by_customer)[0].row["id"] == q2["id"]);  // "bo" < "Nora"
  ListQuery by_state{"", "", 0, 10, std::string(kSortByState), false};
  CHECK(l.store.browse(Entity::quotes, by_state).size() == 3);
  // Paging a sort: offset and limit apply to the sorted rows.
  ListQuery second{"", "", 1, 1, "total_amount", false};
  CHECK(l.store.browse(Entity::quotes, second).at(0).row["id"] == q1["id"]);
  // Only fields sort, and the text never reaches SQL.
  CHECK_THROWS_AS(l.store.browse(Entity::quotes, {"", "", 0, 10, "id; DROP TABLE quotes", false}),
                  UserError);

  // Links: what a record refers to and what refers to it, by name.
  auto refs =
      l.store.references(Entity::orders, l.store.read_row(Entity::orders, order["id"]).value());
  REQUIRE(refs.size() == 2);
  CHECK(refs[0].entity == Entity::quotes);
  CHECK(refs[0].name == q2["quote_number"]);
  CHECK(refs[1].name == "bo Andersen");
  auto children = l.store.referred_by(Entity::customers, bo["id"], 10);
  REQUIRE(children.size() == 2);
  CHECK(children[0].entity == Entity::quotes);
  CHECK(children[0].id == q2["id"]);
  CHECK(children[1].entity == Entity::orders);
  CHECK(children[1].field == "customer_id");
  CHECK(l.store.referred_by(Entity::customers, nora["id"], 1).size() == 1);  // the limit holds
  CHECK(l.store.name_of(Entity::customers, nora["id"]) == "Nora Taylor");
  CHECK_FALSE(l.store.name_of(Entity::customers, new_uuid_v7()));
  CHECK(record_name(Entity::customers, json{{"name", ""}}, "0192abcd-0000") == "0192abcd");
  CHECK(record_name(Entity::orders, json(nullptr), "") == "");
  CHECK(record_title(Entity::customers, "Nora Taylor") == "customers: Nora Taylor");
}
