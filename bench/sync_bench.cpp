// sync_bench: the engine against the real server on loopback. Prints figures; never fails on
// timing. See docs/performance.md.
//
//   sync_bench [--records N] [--push N] [--repeat K]
//              (defaults: 100000 records, 10000 pushes, 3 initial pulls and floors, 3 pushes of
//              N offline creates each, medians)

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/entity_sql.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_engine.hpp"
#include "tests/support/http.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// CPU seconds used by this process so far (all threads), less noisy than wall time on a
/// busy machine.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// CPU seconds (user and system) another process has used so far, from /proc/PID/stat.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i)
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

/// Bytes this process has handed to write(2)/pwrite(2) so far (/proc/self/io, "wchar"). What
/// the last checkpoint has not yet copied from the WAL is counted once, on either side.
double written_mb() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (!f) return 0;
  char key[64];
  unsigned long long value = 0, wchar = 0;
  while (std::fscanf(f, "%63[^:]: %llu\n", key, &value) == 2)
    if (!std::strcmp(key, "wchar")) wchar = value;
  std::fclose(f);
  return static_cast<double>(wchar) / 1e6;
}

RemoteConfig remote_for(const test::ServerProcess& s) {
  RemoteConfig r;
  r.url = s.url();
  r.api_key = s.admin_key();
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string runs_text(const std::vector<double>& v) {
  std::string s;
  char one[32];
  for (double x : v) {
    std::snprintf(one, sizeof one, "%s%.2f", s.empty() ? "" : " ", x);
    s += one;
  }
  return s;
}

double floor_cpu = 0, floor_mb = 0;

/// The floor: the same rows upserted with bare prepared statements, one transaction per page.
/// With `with_indexes`, the tables have the local schema's reference indexes, as the engine's
/// do. With `with_metadata`, each row also gets a bookkeeping row like the engine's, to show
/// how much of the gap is that second B-tree write. The floor keeps SQLite's default page size
/// (4 KiB) unless `page_size` says otherwise; the engine makes its files with kLocalPageSize.
double floor_seconds(SqliteConn& source, const std::string& path, bool with_metadata,
                     bool with_indexes = false, int page_size = 0) {
  struct Row {
    Entity e;
    std::vector<std::string> cols;
    std::vector<bool> null;
  };
  std::vector<Row> rows;
  for (Entity e : kEntitiesInFkOrder) {
    auto st = source.prepare("SELECT " + column_list(e) + " FROM " + std::string(entity_name(e)));
    std::size_t n = fields_of(e).size() + 1;
    while (st.step()) {
      Row r{e, {}, {}};
      for (std::size_t i = 0; i < n; ++i) {
        r.null.push_back(st.is_null(static_cast<int>(i)));
        r.cols.push_back(st.text_at(static_cast<int>(i)));
      }
      rows.push_back(std::move(r));
    }
  }
  std::remove(path.c_str());
  SqliteConn db(path, 5000);
  if (page_size) db.exec("PRAGMA page_size = " + std::to_string(page_size));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA cache_size = -32768");    // the same settings as the engine's connection
  db.exec("PRAGMA wal_autocheckpoint = " +  // 32 MiB of WAL at this page size, as the engine's
          std::to_string(wal_autocheckpoint_pages(db)));
  db.exec("PRAGMA foreign_keys = OFF");
  for (Entity e : kEntitiesInFkOrder) {
    std::string cols = "id TEXT PRIMARY KEY";
    for (const FieldSpec& f : fields_of(e)) cols += ", " + std::string(f.name) + " TEXT";
    db.exec("CREATE TABLE " + std::string(entity_name(e)) + " (" + cols + ") WITHOUT ROWID");
    for (const FieldSpec& f : fields_of(e))
      if (with_indexes && f.kind == FieldKind::reference)
        db.exec("CREATE INDEX " + std::string(entity_name(e)) + "_" + std::string(f.name) + " ON " +
                std::string(entity_name(e)) + "(" + std::string(f.name) + ")");
  }
  // A stand-in for the engine's bookkeeping rows: the same key, and the two columns a pull
  // writes for a record with no local work.
  db.exec(
      "CREATE TABLE floor_metadata (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, "
      "remote_version INTEGER, last_synced_at TEXT, PRIMARY KEY (entity_id, entity_type)) WITHOUT "
      "ROWID");
  const std::string meta_sql =
      "INSERT INTO floor_metadata VALUES (?1, ?2, ?3, ?4) ON CONFLICT (entity_id, entity_type) DO "
      "UPDATE SET "
      "remote_version = excluded.remote_version, last_synced_at = excluded.last_synced_at";
  const std::string now = "2026-11-26T00:00:00.000Z";
  std::string sql[3];
  for (Entity e : kEntitiesInFkOrder) sql[static_cast<int>(e)] = upsert_row_sql(e, '?');
  auto start = Clock::now();
  double cpu0 = cpu_seconds();
  double mb0 = written_mb();
  for (std::size_t at = 0; at < rows.size(); at += 1000) {
    SqliteTxn txn(db);
    for (std::size_t k = at; k < std::min(rows.size(), at + 1000); ++k) {
      auto st = db.prepare(sql[static_cast<int>(rows[k].e)]);
      for (std::size_t i = 0; i < rows[k].cols.size(); ++i) {
        if (rows[k].null[i])
          st.bind_null(static_cast<int>(i) + 1);
        else
          st.bind_static(static_cast<int>(i) + 1, rows[k].cols[i]);
      }
      st.run();
      if (with_metadata) {
        auto m = db.prepare(meta_sql);
        m.bind_static(1, entity_name(rows[k].e)).bind_static(2, rows[k].cols[0]);
        m.bind(3, static_cast<std::int64_t>(k + 1)).bind_static(4, now);
        m.run();
      }
    }
    txn.commit();
  }
  floor_cpu = cpu_seconds() - cpu0;
  floor_mb = written_mb() - mb0;
  return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t records = 100000, pushes = 10000;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records"))
      records = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::max(1, std::stoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--push"))
      pushes = std::stoll(argv[i + 1]);
  }
  // The demo recipe averages about 2.7 records (customer, quotes, orders) per customer.
  std::int64_t customers = records * 10 / 27;
  std::printf("seeding the server with %lld customers (about %lld records)...\n",
              static_cast<long long>(customers), static_cast<long long>(records));
  std::fflush(stdout);
  auto seed_start = Clock::now();
  test::ServerProcess server(
      test::server_args({"--seed-demo", std::to_string(customers), "--quiet"}));
  std::printf("seeded in %.1f s\n\n", seconds_since(seed_start));

  test::TempDir dir;
  CancelToken cancel;
  // 1. Initial pulls into empty clients, each followed by the bare floor on the rows it pulled.
  // Both are repeated and the medians compared: on this disk a single floor run swings by up to
  // 2x (writeback of the previous run's pages), which made a single ratio swing as much.
  std::unique_ptr<SyncEngine> engine;
  SyncReport pull;
  std::vector<double> pull_runs, floor_runs, floor_pages_runs;
  double pull_cpu = 0, pull_mb = 0, floor_cpu_rows = 0, floor_mb_rows = 0;
  long rss = 0;  // after the first pull: the floors after it hold all rows in memory
  for (int run = 0; run < repeat; ++run) {
    engine = std::make_unique<SyncEngine>(dir.file("client" + std::to_string(run) + ".db"));
    engine->set_remote(remote_for(server));
    auto t = Clock::now();
    double cpu0 = cpu_seconds();
    double mb0 = written_mb();
    SyncOptions pull_opts;
    pull_opts.direction = Direction::pull;
    pull_opts.trigger = "bench";
    pull = engine->sync(pull_opts, nullptr, cancel);
    pull_runs.push_back(seconds_since(t));
    pull_cpu = cpu_seconds() - cpu0;
    pull_mb = written_mb() - mb0;
    if (!pull.ok) {
      std::fprintf(stderr, "pull failed: %s\n", pull.error.c_str());
      return 1;
    }
    if (run == 0) rss = peak_rss_mb();
    floor_runs.push_back(floor_seconds(engine->db(), dir.file("floor.db"), false));
    floor_cpu_rows = floor_cpu;
    floor_mb_rows = floor_mb;
    floor_pages_runs.push_back(
        floor_seconds(engine->db(), dir.file("floor_pages.db"), false, false, kLocalPageSize));
  }
  SyncEngine& client = *engine;
  double pull_s = median(pull_runs), floor_s = median(floor_runs);
  double floor_pages_s = median(floor_pages_runs);
  double floor_index_s = floor_seconds(client.db(), dir.file("floor_index.db"), false, true);
  double floor_meta_s = floor_seconds(client.db(), dir.file("floor_meta.db"), true);
  double floor_cpu_meta = floor_cpu;

  // 2. One change on the server, then one incremental sync.
  test::HttpClient admin(server.url(), server.admin_key());
  auto first = client.records().list(Entity::customers, {"", "", 0, 1}).at(0);
  admin.request("PUT", "/api/v1/customers/" + first["id"].get<std::string>(),
                R"({"city":"Bench City"})");
  auto t = Clock::now();
  SyncReport inc = client.sync({}, nullptr, cancel);
  double inc_ms = seconds_since(t) * 1000;

  // 2b. Verify: the whole database in sync, then with one row deleted behind the engine's back.
  t = Clock::now();
  VerifyReport clean = client.verify({}, cancel);
  double verify_wall_ms = seconds_since(t) * 1000;
  client.db().exec("PRAGMA foreign_keys = OFF; DELETE FROM customers WHERE id = '" +
                   first["id"].get<std::string>() + "'; PRAGMA foreign_keys = ON");
  VerifyReport damaged = client.verify({}, cancel);
  std::int64_t verified = 0;
  for (const auto& c : clean.entities) verified += c.server;

  // 3. Pushes of offline creates: each round creates `pushes` records offline, then pushes
  // them all. A single push of 10,000 lasts a few tenths of a second, and on this machine one
  // such run swings by up to 1.5x, so the rounds' median is the figure.
  double create_s = 0;
  std::vector<double> push_rates;
  double push_wall = 0, push_client_cpu = 0, push_server_cpu = 0;
  SyncReport push;
  for (int round = 0; round < repeat; ++round) {
    t = Clock::now();
    for (std::int64_t i = 0; i < pushes; ++i)
      client.records().create(Entity::customers, {{"name", "Offline " + std::to_string(round) +
                                                               "-" + std::to_string(i)},
                                                  {"city", "Bench"}});
    create_s = seconds_since(t);
    t = Clock::now();
    SyncOptions push_opts;
    push_opts.direction = Direction::push;
    push_opts.trigger = "bench";
    double client0 = cpu_seconds(), server0 = process_cpu_seconds(server.pid());
    push = client.sync(push_opts, nullptr, cancel);
    push_wall += seconds_since(t);
    push_client_cpu += cpu_seconds() - client0;
    push_server_cpu += process_cpu_seconds(server.pid()) - server0;
    push_rates.push_back(static_cast<double>(push.pushed) / seconds_since(t));
    if (!push.ok) break;
  }

  std::printf("%-44s %12s\n", "measure", "value");
  std::printf("%-44s %12lld\n", "initial pull: records", static_cast<long long>(pull.pulled));
  std::printf("%-44s %12.2f  (median of %s)\n", "initial pull: wall time (s)", pull_s,
              runs_text(pull_runs).c_str());
  std::printf("%-44s %12.0f\n", "initial pull: records/s",
              static_cast<double>(pull.pulled) / pull_s);
  std::printf("%-44s %12ld\n", "initial pull: client peak RSS (MB)", rss);
  std::printf("%-44s %12.2f  (median of %s)\n", "floor: bare prepared upsert of same rows (s)",
              floor_s, runs_text(floor_runs).c_str());
  std::printf("%-44s %12.2f\n", "ratio pull / floor (wall)", pull_s / floor_s);
  std::printf("%-44s %12.2f / %.2f\n", "client CPU s: pull / floor", pull_cpu, floor_cpu_rows);
  std::printf("%-44s %12.2f\n", "ratio pull / floor (client CPU)", pull_cpu / floor_cpu_rows);
  std::printf("%-44s %12.0f / %.0f\n", "MB written: pull / floor", pull_mb, floor_mb_rows);
  std::printf("%-44s %12.2f  (median of %s)\n", "floor with the engine's 16 KiB pages (s)",
              floor_pages_s, runs_text(floor_pages_runs).c_str());
  std::printf("%-44s %12.2f\n", "ratio pull / floor with 16 KiB pages (wall)",
              pull_s / floor_pages_s);
  std::printf("%-44s %12.2f\n", "floor with the reference indexes (s)", floor_index_s);
  std::printf("%-44s %12.2f\n", "ratio pull / floor with indexes (wall)", pull_s / floor_index_s);
  std::printf("%-44s %12.2f\n", "floor with sync_metadata rows (s)", floor_meta_s);
  std::printf("%-44s %12.2f\n", "ratio pull / floor with metadata (wall)", pull_s / floor_meta_s);
  std::printf("%-44s %12.2f\n", "ratio pull / floor with metadata (CPU)",
              pull_cpu / floor_cpu_meta);
  std::printf("%-44s %12.1f  (%s, pulled %lld)\n", "incremental sync of 1 change (ms)", inc_ms,
              inc.ok ? "ok" : inc.error.c_str(), static_cast<long long>(inc.pulled));
  std::printf("%-44s %12.2f\n", "offline creates of the push set (s)", create_s);
  std::printf("%-44s %12lld  (%s)\n", "verify: records compared", static_cast<long long>(verified),
              clean.ok ? "all match" : "DIFFER");
  std::printf("%-44s %12.1f\n", "verify: checksum compare (ms)", clean.ms);
  std::printf("%-44s %12.1f\n", "verify: with the pull before it (ms)", verify_wall_ms);
  std::printf("%-44s %12lld  (%lld requests)\n", "verify: bytes downloaded",
              static_cast<long long>(clean.cost.bytes),
              static_cast<long long>(clean.cost.requests));
  std::printf("%-44s %12lld\n", "initial pull: bytes downloaded",
              static_cast<long long>(pull.bytes));
  std::printf("%-44s %12.3f\n", "verify bytes / full pull bytes (%)",
              100.0 * static_cast<double>(clean.cost.bytes) / static_cast<double>(pull.bytes));
  std::printf(
      "%-44s %12.1f  (%lld bytes, found %zu missing)\n", "verify with 1 row deleted: compare (ms)",
      damaged.ms, static_cast<long long>(damaged.cost.bytes),
      damaged.entities.empty() ? std::size_t(0) : damaged.entities[0].missing_locally.size());
  std::printf("%-44s %12lld  (%s, each round)\n", "push of offline creates: records",
              static_cast<long long>(push.pushed), push.ok ? "ok" : push.error.c_str());
  std::string rates;
  for (double r : push_rates) rates += (rates.empty() ? "" : " ") + std::to_string(std::lround(r));
  std::printf("%-44s %12.0f  (median of %s)\n", "push: records/s", median(push_rates),
              rates.c_str());
  // Busy cores: CPU seconds over wall seconds, all rounds. Below 2 on 2 cores, some of the
  // time one side waits for the other.
  std::printf("%-44s %12.2f / %.2f\n", "push: busy cores, client / server",
              push_client_cpu / push_wall, push_server_cpu / push_wall);
  return pull.ok && inc.ok && push.ok && clean.ok && !damaged.ok ? 0 : 1;
}
