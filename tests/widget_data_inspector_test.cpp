// The data inspector: paging a 100k-row table through the worker, selection, detail, and
// create / edit / delete commands.

#include <catch2/catch.hpp>

#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/data_inspector.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {

struct Fixture {
  HeadlessUi ui;
  DataInspector inspector;
  Snapshot snap = big_table_snapshot(100000);
  Commands out;
  HeadlessUi::Draw draw = [this] { inspector.draw(snap, out); };
};

std::shared_ptr<const RecordDetail> detail_for(const std::string& id, bool provisional = false) {
  auto d = std::make_shared<RecordDetail>();
  d->entity = Entity::customers;
  d->id = id;
  d->found = true;
  d->row = {{"id", id}, {"name", "Ada Lovelace"}, {"email", "ada@example.com"}, {"city", "London"}};
  RecordSync s;
  s.state = "pending";
  s.local_version = 2;
  s.remote_version = 17;
  s.provisional_number = provisional;
  d->sync = s;
  OutboxEntry o;
  o.seq = 4;
  o.entity = Entity::customers;
  o.id = id;
  o.base_rev = 17;
  o.state = "queued";
  d->outbox = {o};
  return d;
}

}  // namespace

TEST_CASE("inspector: window_for covers the visible rows with a margin, on block boundaries",
          "[widgets][inspector]") {
  TableQuery q = window_for(Entity::quotes, "ada", "pending", 50030, 50060);
  CHECK(q.entity == Entity::quotes);
  CHECK(q.search == "ada");
  CHECK(q.state == "pending");
  CHECK(q.offset % 100 == 0);
  CHECK(q.offset <= 50030);
  CHECK(q.offset + q.limit >= 50060 + 100);
  CHECK(q.limit <= 400);
  CHECK(window_for(Entity::customers, "", "", 0, 30).offset == 0);
}

TEST_CASE("inspector: 100k rows draw only what is visible and ask for nothing already on hand",
          "[widgets][inspector]") {
  Fixture f;
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  CHECK(f.out.count<BrowseTable>() == 0);  // the page covers the top of the table
  CHECK(f.inspector.visible_first == 0);
  CHECK(f.inspector.visible_last > 10);
  CHECK(f.inspector.visible_last < 100);
  // Clipped: a frame costs what 100k rows would not (vertices for ~40 rows of text, not 100k).
  CHECK(f.ui.last_vertex_count() < 60000);
}

TEST_CASE("inspector: scrolling far asks the worker for that window once, then draws it",
          "[widgets][inspector]") {
  Fixture f;
  f.ui.frame(f.draw);
  f.inspector.scroll_to_row = 73000;
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  REQUIRE(f.out.count<BrowseTable>() == 1);  // asked once, even over several frames
  const BrowseTable* b = f.out.last<BrowseTable>();
  CHECK(b->query.entity == Entity::customers);
  CHECK(b->query.offset <= f.inspector.visible_first);
  CHECK(b->query.offset + b->query.limit >= f.inspector.visible_last);
  CHECK(f.inspector.visible_first > 72000);

  // The worker answers; nothing more is asked and the rows are drawn.
  f.snap.pages[0] = customer_page(100000, b->query.offset, b->query.limit);
  f.out.clear();
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  CHECK(f.out.count<BrowseTable>() == 0);
  std::string visible_row = "Customer " + std::to_string(f.inspector.visible_first + 1) + "##row";
  CHECK(f.ui.item(visible_row) != nullptr);
}

TEST_CASE("inspector: mouse wheel scrolling pages through the table", "[widgets][inspector]") {
  Fixture f;
  f.ui.frame(f.draw);
  for (int i = 0; i < 40; ++i) f.ui.scroll(ImVec2(300, 400), -10.0f, f.draw);
  f.ui.frame(f.draw);
  CHECK(f.inspector.visible_first > 250);
  CHECK(f.out.count<BrowseTable>() >= 1);
}

TEST_CASE("inspector: an empty snapshot asks for the first window", "[widgets][inspector]") {
  Fixture f;
  f.snap = synced_snapshot();
  f.ui.frame(f.draw);
  const BrowseTable* b = f.out.last<BrowseTable>();
  REQUIRE(b);
  CHECK(b->query.offset == 0);
  CHECK(b->query.entity == Entity::customers);
}

TEST_CASE("inspector: search and filter go to the worker with the window", "[widgets][inspector]") {
  Fixture f;
  f.ui.frame(f.draw);
  f.inspector.search = "portland";
  f.inspector.state_filter = 2;  // pending
  f.ui.frame(f.draw);
  const BrowseTable* b = f.out.last<BrowseTable>();
  REQUIRE(b);
  CHECK(b->query.search == "portland");
  CHECK(b->query.state == "pending");
  CHECK(f.inspector.row_count(f.snap) == 0);  // the unfiltered page's total does not count
}

TEST_CASE("inspector: clicking a row selects it and asks for its detail", "[widgets][inspector]") {
  Fixture f;
  REQUIRE(f.ui.click("Customer 2##row", f.draw));
  const ShowRecord* s = f.out.last<ShowRecord>();
  REQUIRE(s);
  CHECK(s->entity == Entity::customers);
  CHECK(s->id == fixture_uuid(2));
  CHECK(f.inspector.selected_id == fixture_uuid(2));
}

TEST_CASE("inspector: edit sends only the changed fields", "[widgets][inspector]") {
  Fixture f;
  f.inspector.selected_id = fixture_uuid(3);
  f.snap.detail = detail_for(fixture_uuid(3));
  REQUIRE(f.ui.click("Edit", f.draw));
  REQUIRE(f.inspector.form.open);
  CHECK_FALSE(f.inspector.form.creating);
  f.inspector.form.values["city"] = "Cambridge";
  REQUIRE(f.ui.click("Save", f.draw));
  const UpdateRecord* u = f.out.last<UpdateRecord>();
  REQUIRE(u);
  CHECK(u->id == fixture_uuid(3));
  CHECK(u->patch == nlohmann::json{{"city", "Cambridge"}});
  CHECK_FALSE(f.inspector.form.open);
}

TEST_CASE("inspector: create needs the required fields", "[widgets][inspector]") {
  Fixture f;
  REQUIRE(f.ui.click("New customer##new_record", f.draw));
  REQUIRE(f.inspector.form.open);
  f.ui.frame(f.draw);
  CHECK_FALSE(f.ui.item("Create")->enabled);  // name is required
  f.inspector.form.values["name"] = "Grace Hopper";
  f.inspector.form.values["city"] = "Arlington";
  REQUIRE(f.ui.click("Create", f.draw));
  const CreateRecord* c = f.out.last<CreateRecord>();
  REQUIRE(c);
  CHECK(c->entity == Entity::customers);
  CHECK(c->fields == nlohmann::json{{"name", "Grace Hopper"}, {"city", "Arlington"}});
}

TEST_CASE("inspector: a new quote starts as a draft without a number", "[widgets][inspector]") {
  RecordForm form;
  form.begin_create(Entity::quotes);
  CHECK(form.values.at("status") == "draft");
  CHECK(form.values.count("quote_number") == 0);  // the server assigns it
  form.values["customer_id"] = fixture_uuid(1);
  form.values["total_amount"] = "99.50";
  auto cmd = form.submit();
  REQUIRE(cmd);
  REQUIRE(std::holds_alternative<CreateRecord>(*cmd));
  CHECK(std::get<CreateRecord>(*cmd).fields.at("status") == "draft");
}

TEST_CASE("inspector: delete asks first, then sends DeleteRecord", "[widgets][inspector]") {
  Fixture f;
  f.inspector.selected_id = fixture_uuid(3);
  f.snap.detail = detail_for(fixture_uuid(3));
  REQUIRE(f.ui.click("Delete", f.draw));
  CHECK(f.out.count<DeleteRecord>() == 0);
  REQUIRE(f.ui.click("Delete##confirm", f.draw));
  const DeleteRecord* d = f.out.last<DeleteRecord>();
  REQUIRE(d);
  CHECK(d->id == fixture_uuid(3));
}

TEST_CASE("inspector: a customer with quotes and orders cannot be deleted, and says why first",
          "[widgets][inspector]") {
  Fixture f;
  f.inspector.selected_id = fixture_uuid(3);
  auto d = std::make_shared<RecordDetail>(*detail_for(fixture_uuid(3)));
  d->dependents = {{Entity::quotes, 2}, {Entity::orders, 1}};
  f.snap.detail = d;
  f.ui.frame(f.draw);
  REQUIRE(f.ui.item("Delete"));
  CHECK_FALSE(f.ui.item("Delete")->enabled);  // no confirmation that ends in a refusal
  CHECK_FALSE(f.ui.click("Delete", f.draw));
  CHECK(f.out.count<DeleteRecord>() == 0);
  CHECK(dependents_text(d->dependents) == "2 quotes and 1 order");
}

TEST_CASE("inspector: the detail shows sync metadata and raw JSON with _sync",
          "[widgets][inspector]") {
  auto d = detail_for(fixture_uuid(8), true);
  std::string raw = raw_json_text(*d);
  auto j = nlohmann::json::parse(raw);
  CHECK(j["_sync"]["state"] == "pending");
  CHECK(j["_sync"]["provisional_number"] == true);
  CHECK(j["name"] == "Ada Lovelace");
  Fixture f;
  f.inspector.selected_id = fixture_uuid(8);
  f.snap.detail = d;
  f.ui.frame(f.draw);
  CHECK(f.ui.item("Edit") != nullptr);
  CHECK(f.out.count<ShowRecord>() == 0);
}

TEST_CASE("inspector: a record pulled without bookkeeping still shows its sync state",
          "[widgets][inspector]") {
  RecordSync pulled;  // what SyncState::get gives a record the pull wrote once
  pulled.state = "synced";
  pulled.remote_version = 41;
  CHECK(last_synced_text(pulled) == "when pulled (time not kept)");
  RecordSync kept = pulled;
  kept.last_synced_at = "2026-12-03T10:15:00.000Z";
  CHECK(last_synced_text(kept) == "2026-12-03 10:15:00 UTC");
  RecordSync fresh;  // created here, never pushed
  fresh.state = "pending";
  CHECK(last_synced_text(fresh).empty());

  auto d = std::make_shared<RecordDetail>(*detail_for(fixture_uuid(5)));
  d->sync = pulled;
  d->outbox.clear();
  CHECK(nlohmann::json::parse(raw_json_text(*d))["_sync"]["remote_version"] == 41);
  Fixture f;
  f.inspector.selected_id = fixture_uuid(5);
  f.snap.detail = d;
  f.ui.frame(f.draw);
  CHECK(f.ui.item("Edit") != nullptr);
}
