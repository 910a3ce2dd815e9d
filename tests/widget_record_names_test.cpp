// The inspector names records instead of showing UUIDs: customer names in the quote and order
// tables, links between related records, pickers in the form, names in confirmations and
// conflict headings. And the tables people expect: sorting by a header click (in the worker),
// amounts right-aligned with two decimals, cut text with an ellipsis, copy from the table.

#include <catch2/catch.hpp>

#include <imgui_internal.h>

#include "core/record_names.hpp"
#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/cells.hpp"
#include "widgets/conflict_dialog.hpp"
#include "widgets/data_inspector.hpp"
#include "widgets/text_format.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {

const std::string kNora = fixture_uuid(900);
const std::string kQuote = fixture_uuid(901);
const std::string kOrder = fixture_uuid(902);

// Quotes of Nora Taylor, as the worker's page has them: each row with its customer's name.
std::shared_ptr<const TablePage> quotes_page(int n) {
  auto page = std::make_shared<TablePage>();
  page->query.entity = Entity::quotes;
  page->query.offset = 0;
  page->query.limit = 300;
  page->total = n;
  for (int i = 0; i < n; ++i) {
    RowView r;
    r.id = i == 0 ? kQuote : fixture_uuid(1000 + i);
    r.cells = {"Q-2026-00000" + std::to_string(i + 1),
               kNora,
               std::to_string(1250 + i) + ".5",
               "draft",
               "2026-12-01T10:00:00.000Z",
               "2026-12-01T10:00:00.000Z"};
    r.names = {"", "Nora Taylor", "", "", "", ""};
    r.state = "synced";
    page->rows.push_back(r);
  }
  return page;
}

std::shared_ptr<const RecordDetail> nora_detail() {
  auto d = std::make_shared<RecordDetail>();
  d->entity = Entity::customers;
  d->id = kNora;
  d->found = true;
  d->name = "Nora Taylor";
  d->row = {{"id", kNora}, {"name", "Nora Taylor"}, {"email", "nora.taylor18@example.com"}};
  d->dependents = {{Entity::quotes, 1}, {Entity::orders, 1}};
  d->referred_by = {{Entity::quotes, kQuote, "Q-2026-000001", "customer_id"},
                    {Entity::orders, kOrder, "O-2026-000001", "customer_id"}};
  return d;
}

std::shared_ptr<const RecordDetail> quote_detail() {
  auto d = std::make_shared<RecordDetail>();
  d->entity = Entity::quotes;
  d->id = kQuote;
  d->found = true;
  d->name = "Q-2026-000001";
  d->row = {{"id", kQuote},
            {"quote_number", "Q-2026-000001"},
            {"customer_id", kNora},
            {"total_amount", "1250.50"},
            {"status", "draft"}};
  d->references = {{Entity::customers, kNora, "Nora Taylor", "customer_id"}};
  return d;
}

struct Quotes {
  HeadlessUi ui;
  DataInspector inspector;
  Snapshot snap = synced_snapshot();
  Commands out;
  HeadlessUi::Draw draw = [this] { inspector.draw(snap, out); };
  Quotes() {
    ui.record_texts();
    inspector.entity = Entity::quotes;
    snap.status.records[1] = 3;
    snap.pages[1] = quotes_page(3);
  }
};

}  // namespace

TEST_CASE("names: the quote table shows the customer's name, not a UUID", "[widgets][names]") {
  Quotes f;
  f.ui.frame(f.draw);
  f.ui.frame(f.draw);
  CHECK(f.ui.drew_text("Nora Taylor"));
  CHECK_FALSE(f.ui.drew_text(short_id(kNora)));
  // Amounts: two decimals, thousands separated.
  CHECK(f.ui.drew_text("1,250.50"));
  // Right-aligned: the amount ends where its column does, past where the column starts.
  CHECK(f.ui.item("text:1,250.50")->min.x > f.ui.item("header:Amount")->min.x + 10);
  CHECK(amount_text("1250.5") == "1,250.50");
  CHECK(amount_text("1234567.89") == "1,234,567.89");
  CHECK(amount_text("-3") == "-3.00");
  CHECK(amount_text("12.345") == "12.345");  // not an amount: unchanged
  CHECK(amount_text("abc") == "abc");
}

TEST_CASE("names: a header click sorts in the worker: ascending, descending, then none",
          "[widgets][names]") {
  Quotes f;
  f.ui.frame(f.draw);
  f.out.clear();
  REQUIRE(f.ui.click("header:Amount", f.draw));
  CHECK(f.inspector.sort == "total_amount");
  CHECK_FALSE(f.inspector.descending);
  const BrowseTable* b = f.out.last<BrowseTable>();
  REQUIRE(b);  // the page in hand is in another order: ask for the sorted one
  CHECK(b->query.sort == "total_amount");
  CHECK(b->query.offset == 0);
  // Until it comes, the count stays (the order does not change it).
  CHECK(f.inspector.row_count(f.snap) == 3);

  REQUIRE(f.ui.click("header:Amount", f.draw));
  CHECK(f.inspector.descending);
  CHECK(f.out.last<BrowseTable>()->query.descending);
  REQUIRE(f.ui.click("header:Amount", f.draw));
  CHECK(f.inspector.sort.empty());  // the third click goes back to creation order

  REQUIRE(f.ui.click("header:Customer", f.draw));
  CHECK(f.inspector.sort == "customer_id");  // by the customer's name, in SQL
  REQUIRE(f.ui.click("header:Sync", f.draw));
  CHECK(f.inspector.sort == std::string(kSortByState));
}

TEST_CASE("names: right-click copies a cell, the row, or the record as JSON", "[widgets][names]") {
  Quotes f;
  f.ui.frame(f.draw);
  REQUIRE(f.ui.right_click("Q-2026-000001##row", f.draw));
  REQUIRE(f.ui.click("Copy row##copy_row", f.draw));
  CHECK(std::string(ImGui::GetClipboardText()) ==
        "Q-2026-000001\t1,250.50\tdraft\tNora Taylor\tsynced");

  REQUIRE(f.ui.right_click("Q-2026-000001##row", f.draw));
  REQUIRE(f.ui.click("Copy as JSON##copy_row_json", f.draw));
  auto j = nlohmann::json::parse(ImGui::GetClipboardText());
  CHECK(j["id"] == kQuote);
  CHECK(j["customer_id"] == kNora);
  CHECK(j["total_amount"] == "1250.5");  // the stored value, not the shown one

  REQUIRE(f.ui.right_click("Q-2026-000001##row", f.draw));
  REQUIRE(f.ui.click("Copy id##copy_row_id", f.draw));
  CHECK(std::string(ImGui::GetClipboardText()) == kQuote);

  REQUIRE(f.ui.right_click("Q-2026-000001##row", f.draw));
  REQUIRE(f.ui.item("Copy Number##copy_cell"));  // the cell under the mouse: the first column
  REQUIRE(f.ui.click("Copy Number##copy_cell", f.draw));
  CHECK(std::string(ImGui::GetClipboardText()) == "Q-2026-000001");
}

TEST_CASE("names: the detail copies its id and raw JSON", "[widgets][names]") {
  Quotes f;
  f.inspector.selected_id = kQuote;
  f.snap.detail = quote_detail();
  REQUIRE(f.ui.click("Copy id##detail", f.draw));
  CHECK(std::string(ImGui::GetClipboardText()) == kQuote);
  REQUIRE(f.ui.click("Copy JSON", f.draw));
  CHECK(nlohmann::json::parse(ImGui::GetClipboardText())["total_amount"] == "1250.50");
}

TEST_CASE("names: a customer's detail lists its quotes and orders, and a click follows one",
          "[widgets][names]") {
  Quotes f;
  f.inspector.entity = Entity::customers;
  f.inspector.selected_id = kNora;
  f.inspector.search = "taylor";
  f.snap.detail = nora_detail();
  f.ui.frame(f.draw);
  REQUIRE(f.ui.item("O-2026-000001##rel_" + kOrder));
  REQUIRE(f.ui.click("Q-2026-000001##rel_" + kQuote, f.draw));
  CHECK(f.inspector.entity == Entity::quotes);
  CHECK(f.inspector.selected_id == kQuote);
  CHECK(f.inspector.search.empty());  // the table is not filtered away from it
  const ShowRecord* s = f.out.last<ShowRecord>();
  REQUIRE(s);
  CHECK(s->entity == Entity::quotes);
  CHECK(s->id == kQuote);

  // And back: the quote's customer is a link by name.
  f.snap.detail = quote_detail();
  REQUIRE(f.ui.click("Nora Taylor##ref_customer_id", f.draw));
  CHECK(f.inspector.entity == Entity::customers);
  CHECK(f.inspector.selected_id == kNora);
}

TEST_CASE("names: a new quote from a customer starts with that customer, named",
          "[widgets][names]") {
  Quotes f;
  f.inspector.entity = Entity::customers;
  f.inspector.selected_id = kNora;
  f.snap.detail = nora_detail();
  f.ui.frame(f.draw);  // the first frame lays the panes out
  REQUIRE(f.ui.click("New quote for this customer##new_child", f.draw));
  REQUIRE(f.inspector.form.open);
  CHECK(f.inspector.form.entity == Entity::quotes);
  CHECK(f.inspector.form.values.at("customer_id") == kNora);
  CHECK(f.inspector.form.names.at("customer_id") == "Nora Taylor");
  f.ui.frame(f.draw);
  CHECK(f.ui.item("Nora Taylor###pick_customer_id"));  // the picker shows the name

  // New order with a quote selected: the quote and its customer.
  auto p = prefill_from(Entity::orders, quote_detail().get());
  CHECK(p.values.at("quote_id") == kQuote);
  CHECK(p.names.at("quote_id") == "Q-2026-000001");
  CHECK(p.values.at("customer_id") == kNora);
  CHECK(p.names.at("customer_id") == "Nora Taylor");
  CHECK(prefill_from(Entity::customers, quote_detail().get()).values.empty());
}

TEST_CASE("names: the picker searches in the worker and takes a record by name",
          "[widgets][names]") {
  HeadlessUi ui;
  RecordForm form;
  Commands out;
  auto choices = std::make_shared<ChoiceList>();
  HeadlessUi::Draw draw = [&] { form.draw(out, choices.get()); };
  form.begin_create(Entity::orders);
  ui.frame(draw);
  REQUIRE(ui.click("Choose a quote" + std::string("\xE2\x80\xA6") + "###pick_quote_id", draw));
  const FindChoices* asked = out.last<FindChoices>();
  REQUIRE(asked);
  CHECK(asked->entity == Entity::quotes);
  CHECK(asked->search.empty());
  CHECK(out.count<FindChoices>() == 1);  // once, not every frame

  // The worker answers; picking a quote brings its customer along.
  choices->entity = Entity::quotes;
  choices->items = {{kQuote, "Q-2026-000001", "Nora Taylor, 1250.50", kNora, "Nora Taylor"}};
  REQUIRE(ui.click("Q-2026-000001##choice_" + kQuote, draw));
  CHECK(form.values.at("quote_id") == kQuote);
  CHECK(form.values.at("customer_id") == kNora);
  CHECK(form.names.at("customer_id") == "Nora Taylor");
  ui.frame(draw);
  CHECK(ui.item("Q-2026-000001###pick_quote_id"));
  auto cmd = form.submit();
  REQUIRE(cmd);
  CHECK(std::get<CreateRecord>(*cmd).fields.at("customer_id") == kNora);
}

TEST_CASE("names: the delete confirmation names the record", "[widgets][names]") {
  Quotes f;
  f.inspector.entity = Entity::quotes;
  f.inspector.selected_id = kQuote;
  f.snap.detail = quote_detail();
  REQUIRE(f.ui.click("Delete", f.draw));
  f.ui.frame(f.draw);
  CHECK(f.ui.drew_text("Delete quote \"Q-2026-000001\"?"));
}

TEST_CASE("names: the conflict heading names the record", "[widgets][names]") {
  HeadlessUi ui;
  ui.record_texts();
  ConflictDialog dialog;
  Snapshot s = conflicts_snapshot(1);
  Commands out;
  ui.frame([&] { dialog.draw(s, out); });
  CHECK(ui.drew_text("customers: Ada"));
  CHECK(conflict_name((*s.open_conflicts)[0]) == "Ada");
  ConflictRecord gone = (*s.open_conflicts)[0];
  gone.local = nullptr;
  gone.remote = nullptr;
  gone.base = nullptr;
  CHECK(conflict_name(gone) == gone.entity_id.substr(0, 8));
}

TEST_CASE("names: cut text ends in an ellipsis and fits", "[widgets][names]") {
  HeadlessUi ui;
  ui.frame([] {
    std::string email = "alexander.montgomery-whitfield@northshore-cabinets.example.com";
    float full = ImGui::CalcTextSize(email.c_str()).x;
    std::string cut = fit_text(email, full / 2);
    CHECK(cut.size() < email.size());
    CHECK(cut.ends_with("\xE2\x80\xA6"));
    CHECK(ImGui::CalcTextSize(cut.c_str()).x <= full / 2);
    CHECK(fit_text(email, full + 1) == email);
    CHECK(fit_text(email, 1).empty());
    std::string accents = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";  // éééééé
    std::string a = fit_text(accents, ImGui::CalcTextSize(accents.c_str()).x / 2);
    CHECK((a.size() - 3) % 2 == 0);  // whole two-byte characters, then the ellipsis
  });
}

TEST_CASE("names: the raw JSON box takes the height left and scrolls sideways",
          "[widgets][names]") {
  HeadlessUi ui(true, 1024, 700);
  DataInspector inspector;
  Snapshot snap = synced_snapshot();
  Commands out;
  auto d = std::make_shared<RecordDetail>(*nora_detail());
  d->row["address"] = std::string(300, 'x');  // one long line
  snap.detail = d;
  inspector.selected_id = kNora;
  auto draw = [&] { inspector.draw(snap, out); };
  for (int i = 0; i < 3; ++i) ui.frame(draw);
  ImGuiWindow* box = nullptr;
  for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
    if (w->Active && std::string(w->Name).find("##raw_box") != std::string::npos) box = w;
  REQUIRE(box);
  CHECK(box->ScrollMax.x > 0);  // the long line can be scrolled to
  CHECK(box->Size.y >= 6 * ImGui::GetFontSize());
}

TEST_CASE("names: the edit form names the record it edits", "[widgets][names]") {
  Quotes f;
  f.inspector.entity = Entity::customers;
  f.inspector.selected_id = kNora;
  f.snap.detail = nora_detail();
  REQUIRE(f.ui.click("Edit", f.draw));
  REQUIRE(f.inspector.form.open);
  f.ui.frame(f.draw);
  CHECK(f.ui.drew_text("customer Nora Taylor"));
}
