// What record history costs in storage: N customers pushed, then edited R times each (one
// field per edit, as people edit), and the bytes the server's record_history table and its
// index take per revision, next to the change log's bytes per record.
//
//   history_cost [--records N] [--edits R] [--postgres]
//   (defaults: 10000 records, 4 edits each; --postgres needs CRAFTSYNC_TEST_PG_URL)

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/uuid.hpp"
#include "tests/support/http.hpp"
#include "tests/support/protocol_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

using namespace craftsync;
using namespace craftsync::test;
using nlohmann::json;

namespace {

double size_of(const std::string& db, bool pg, const std::string& table, const std::string& index) {
  std::string out = pg ? direct_sql(db, "SELECT pg_total_relation_size('" + table + "')")
                       : direct_sql(db, "SELECT sum(pgsize) FROM dbstat WHERE name IN ('" + table +
                                            "', '" + index + "')");
  return std::stod(out);
}

}  // namespace

int main(int argc, char** argv) {
  int records = 10000, edits = 4;
  bool pg = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--records") && i + 1 < argc)
      records = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--edits") && i + 1 < argc)
      edits = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--postgres"))
      pg = true;
  }
  TestDatabase database(pg ? DbKind::postgres : DbKind::configured);
  ServerProcess server(server_on(database.location(), "test-admin-key-0123",
                                 {"--quiet", "--history-retention-days", "0"}));
  HttpClient http(server.url(), server.admin_key());
  const std::string device = new_uuid_v7();
  std::int64_t seq = 0;
  std::vector<std::string> ids;
  std::vector<std::int64_t> revs;  // each record's rev, the base of its next edit
  auto started = std::chrono::steady_clock::now();
  for (int round = 0; round <= edits; ++round) {
    for (int start = 0; start < records; start += 1000) {
      json batch = json::array();
      for (int i = start; i < std::min(records, start + 1000); ++i) {
        if (round == 0) {
          ids.push_back(new_uuid_v7());
          batch.push_back(upsert(++seq, "customers", ids.back(), std::nullopt,
                                 customer_data("Customer " + std::to_string(i), "Portland")));
        } else {
          auto k = static_cast<std::size_t>(i);
          batch.push_back(upsert(++seq, "customers", ids[k], revs[k],
                                 {{"phone", "555-" + std::to_string(1000 + round * 7 + i % 997)}}));
        }
      }
      auto a = push(http, device, batch);
      if (a.status != 200) {
        std::fprintf(stderr, "push failed: %ld %s\n", a.status, a.body.substr(0, 200).c_str());
        return 1;
      }
      revs.resize(ids.size());
      json results = a.json()["results"];
      for (std::size_t r = 0; r < results.size(); ++r) {
        if (results[r]["status"] != "applied") {
          std::fprintf(stderr, "a change was not applied: %s\n", results[r].dump().c_str());
          return 1;
        }
        revs[static_cast<std::size_t>(start) + r] = results[r]["rev"];
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string db = database.location();
  if (pg) {
    direct_sql(db, "VACUUM ANALYZE record_history");
    direct_sql(db, "VACUUM ANALYZE change_log");
  }
  // Each record's current revision is its change-log row; record_history holds the ones that
  // changes replaced.
  double replaced = std::stod(direct_sql(db, "SELECT count(*) FROM record_history"));
  double history = size_of(db, pg, "record_history", "record_history_age");
  double log = size_of(db, pg, "change_log", "sqlite_autoindex_change_log_1");
  std::printf("backend                              %s\n", pg ? "postgresql" : "sqlite");
  std::printf("records / edits each                 %d / %d\n", records, edits);
  std::printf("revisions (replaced ones in history) %.0f (%.0f)\n", replaced + records, replaced);
  std::printf("record_history with its index (MB)   %.2f\n", history / 1e6);
  std::printf("bytes per replaced revision          %.0f\n", history / replaced);
  std::printf("change log bytes per record          %.0f\n", log / records);
  std::printf("pushes of all rounds (s)             %.1f\n", secs);
  return 0;
}
