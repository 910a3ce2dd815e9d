// Statistics charts and the activity log: their data shaping, and drawing with none or many runs.

#include <catch2/catch.hpp>

#include "tests/support/headless_ui.hpp"
#include "tests/support/snapshot_fixtures.hpp"
#include "widgets/activity_log.hpp"
#include "widgets/stats_charts.hpp"
#include "widgets/text_format.hpp"

using namespace craftsync;
using namespace craftsync::console;
using namespace craftsync::test;

namespace {

std::vector<RunRecord> runs_newest_first(int n) {
  std::vector<RunRecord> runs;
  std::int64_t t0 = unix_ms_from_iso("2026-11-26T08:00:00.000Z").value();
  for (int i = n; i >= 1; --i) {
    RunRecord r;
    r.id = i;
    r.started_at = iso_from_unix_ms(t0 + i * 60000);
    r.trigger = i % 5 == 0 ? "auto" : "manual";
    r.direction = "both";
    r.entity = "all";
    r.ok = i % 7 != 0;
    r.error = r.ok ? "" : "cannot reach http://127.0.0.1:9";
    r.pulled = i == 1 ? 100000 : i;
    r.pushed = i % 3;
    r.duration_ms = 10 * i;
    runs.push_back(r);
  }
  return runs;
}

}  // namespace

TEST_CASE("charts: points are the last runs, oldest first", "[widgets][charts]") {
  auto runs = runs_newest_first(80);
  auto pts = chart_points(runs, 50);
  REQUIRE(pts.size() == 50);
  CHECK(pts.front().id == 31);
  CHECK(pts.back().id == 80);
  CHECK(pts.back().at_ms > pts.front().at_ms);
  CHECK(log_scale(0) == 0.0f);
  CHECK(log_scale(99) == Approx(2.0f));
  CHECK(log_scale(-5) == 0.0f);
}

TEST_CASE("charts: draw with no runs and with many, asking nothing of the worker",
          "[widgets][charts]") {
  HeadlessUi ui;
  StatsCharts charts;
  Snapshot s = synced_snapshot();
  Commands out;
  ui.frame([&] { charts.draw(s, out, unix_now_ms()); });
  s.runs = std::make_shared<const std::vector<RunRecord>>(runs_newest_first(200));
  ui.frame([&] { charts.draw(s, out, unix_now_ms()); });
  int with_runs = ui.last_vertex_count();
  charts.window = 10;
  ui.frame([&] { charts.draw(s, out, unix_now_ms()); });
  CHECK(ui.last_vertex_count() < with_runs);  // fewer bars
  CHECK(out.empty());
}

TEST_CASE("activity: runs and notices merged newest first, filtered", "[widgets][activity]") {
  Snapshot s = synced_snapshot();
  s.runs = std::make_shared<const std::vector<RunRecord>>(runs_newest_first(14));
  std::int64_t late = unix_ms_from_iso("2026-11-26T09:00:00.000Z").value();
  s.events = std::make_shared<const std::vector<Event>>(std::vector<Event>{
      {1, late, Event::Level::info, "Settings saved"},
      {2, late + 1, Event::Level::error, "Connection test failed: 401 unauthorized"},
      {3, late + 2, Event::Level::info, "Synced: 3 pulled, 0 pushed in 0.1 s"},  // the run says it
  });
  auto lines = activity_lines(s);
  REQUIRE(lines.size() == 16);
  CHECK(lines[0].text.find("Connection test failed") != std::string::npos);
  for (std::size_t i = 1; i < lines.size(); ++i) CHECK(lines[i - 1].at_ms >= lines[i].at_ms);

  auto errors = filter_lines(lines, "", true);
  CHECK(errors.size() == 3);  // runs 7 and 14 failed, plus the failed test
  for (const auto& l : errors) CHECK(l.kind == LogLine::Kind::error);
  auto matching = filter_lines(lines, "SETTINGS", false);
  REQUIRE(matching.size() == 1);
  CHECK(matching[0].text == "Settings saved");
}

TEST_CASE("activity: an offline failure is one error line, and one conflict is singular",
          "[widgets][activity]") {
  Snapshot s = synced_snapshot();
  auto runs = runs_newest_first(7);  // run 7 failed: the server was unreachable
  runs[1].conflicts = 1;
  runs[2].conflicts = 2;
  s.runs = std::make_shared<const std::vector<RunRecord>>(runs);
  std::int64_t at = unix_ms_from_iso(runs[0].started_at).value();
  s.events = std::make_shared<const std::vector<Event>>(std::vector<Event>{
      {1, at + 5, Event::Level::error, "Offline: cannot reach http://127.0.0.1:9"}});
  auto errors = filter_lines(activity_lines(s), "", true);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text.rfind("Sync #7 (manual, both, all) failed", 0) == 0);
  auto lines = activity_lines(s);
  CHECK(lines[1].text.find(", 1 conflict in ") != std::string::npos);
  CHECK(lines[2].text.find(", 2 conflicts in ") != std::string::npos);
  CHECK(counted(1, "conflict") == "1 conflict");
  CHECK(counted(1200, "record") == "1,200 records");
  CHECK(counted(0, "entry", "entries") == "0 entries");
}

TEST_CASE("activity: the errors-only switch is a click away", "[widgets][activity]") {
  HeadlessUi ui;
  ActivityLog log;
  Snapshot s = error_snapshot();
  s.runs = std::make_shared<const std::vector<RunRecord>>(runs_newest_first(30));
  Commands out;
  REQUIRE(ui.click("Errors only", [&] { log.draw(s, out, unix_now_ms()); }));
  CHECK(log.errors_only);
  CHECK(out.empty());
}

TEST_CASE("text: numbers, times and ids read well", "[widgets][format]") {
  CHECK(thousands(0) == "0");
  CHECK(thousands(12000) == "12,000");
  CHECK(thousands(1234567) == "1,234,567");
  CHECK(thousands(-1500) == "-1,500");
  CHECK(time_ago(0, 5000) == "just now");
  CHECK(time_ago(0, 42000) == "40 s ago");

  // Each time text says when it next reads differently: the console sleeps until then.
  clear_redraw_note();
  CHECK(redraw_due_in_ms() == -1);
  time_ago(0, 42000);
  CHECK(redraw_due_in_ms() == 8000);  // "50 s ago" in 8 s
  time_ago(0, 5 * 60000 + 1500);
  CHECK(redraw_due_in_ms() == 8000);  // the earliest note wins
  clear_redraw_note();
  time_ago(0, 5 * 60000 + 1500);
  CHECK(redraw_due_in_ms() == 58500);  // "6 minutes ago"
  clear_redraw_note();
  CHECK(countdown_text(30500) == "31 s");
  CHECK(redraw_due_in_ms() == 500);
  clear_redraw_note();
  CHECK(countdown_text(30 * 60000) == "30 min");
  CHECK(redraw_due_in_ms() == 60000);
  clear_redraw_note();
  CHECK(time_ago(0, 60000) == "1 minute ago");
  CHECK(time_ago(0, 5 * 60000) == "5 minutes ago");
  CHECK(time_ago(0, 3 * 3600000) == "3 hours ago");
  CHECK(time_ago(0, 2 * 86400000LL) == "2 days ago");
  CHECK(duration_text(850) == "850 ms");
  CHECK(duration_text(1234) == "1.2 s");
  CHECK(duration_text(125000) == "2 min 5 s");
  CHECK(countdown_text(29500) == "30 s");
  CHECK(countdown_text(10 * 60000) == "10 min");
  CHECK(interval_text(30) == "30m");
  CHECK(interval_text(90) == "1h 30m");
  CHECK(interval_text(1440) == "1d");
  CHECK(timestamp_text("2026-11-26T21:57:54.123Z") == "2026-11-26 21:57:54 UTC");
  CHECK(short_id("019b76ff-4700-7383-b94b-33c9cba40ce0") ==
        "019b76ff\xE2\x80\xA6"
        "0ce0");
  CHECK(percent(45, 100) == 45);
  CHECK(percent(5, 0) == -1);
  CHECK(percent(200, 100) == 100);
}

TEST_CASE("activity: a run's notice (a restored or copied database) is a line of its own",
          "[widgets][activity]") {
  Snapshot s = synced_snapshot();
  RunRecord r;
  r.id = 7;
  r.ok = true;
  r.started_at = "2026-12-01T10:00:00.000Z";
  r.trigger = "manual";
  r.direction = "both";
  r.entity = "all";
  r.notice = "this database was restored from a backup or copied (...)";
  s.runs = std::make_shared<const std::vector<RunRecord>>(std::vector<RunRecord>{r});
  auto lines = activity_lines(s);
  REQUIRE(lines.size() >= 2);
  bool found = false;
  for (const auto& l : lines)
    if (l.kind == LogLine::Kind::notice &&
        l.text.find("restored from a backup") != std::string::npos)
      found = true;
  CHECK(found);
  CHECK(filter_lines(lines, "restored", false).size() == 1);
}
