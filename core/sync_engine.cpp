#include "core/sync_engine.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/history_fetch.hpp"
#include "core/live_probe.hpp"
#include "core/local_schema.hpp"
#include "core/protocol.hpp"
#include "core/pull.hpp"
#include "core/push.hpp"
#include "core/run_journal.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_lock.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

/// WAL is a property of the file: set it once. Switching needs the file to itself, so a second
/// process opening a brand-new database at the same moment may find it busy for a while.
/// A brand-new file takes kLocalPageSize first (a file with content keeps its own).
void enable_wal(SqliteConn& db) {
  for (int attempt = 0;; ++attempt) {
    try {
      {
        auto mode = db.prepare("PRAGMA journal_mode");
        if (mode.step() && mode.view_at(0) == "wal") return;
      }
      db.exec("PRAGMA page_size = " + std::to_string(kLocalPageSize));
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (const TransientError&) {
      if (attempt >= 100) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

std::int64_t scalar(SqliteConn& db, const std::string& sql) {
  auto st = db.prepare(sql);
  return st.step() ? st.int_at(0) : 0;
}

}  // namespace

SyncEngine::SyncEngine(const std::string& db_path) : db_path_(db_path) {
  std::filesystem::path p(db_path);
  // A directory made here (the XDG data dir, say) is the user's alone, like the file in it.
  if (p.has_parent_path() && std::filesystem::create_directories(p.parent_path()))
    std::filesystem::permissions(p.parent_path(), std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
  try {
    db_ = std::make_unique<SqliteConn>(db_path, 5000);
    enable_wal(*db_);
    db_->exec("PRAGMA cache_size = -32768");  // 32 MiB: the pull's B-tree work stays in memory
    db_->exec("PRAGMA wal_autocheckpoint = " + std::to_string(wal_autocheckpoint_pages(*db_)));
    // A first sync lets the WAL grow to the database's size (core/pull.cpp); once it has been
    // copied back, the file shrinks to 64 MiB.
    db_->exec("PRAGMA journal_size_limit = 67108864");
    migrate_local_schema(*db_);
    store_ = std::make_unique<RecordStore>(*db_);
    store_->device_id();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open the local database " + db_path + ": " + e.what());
  }
}

SyncEngine::~SyncEngine() = default;

void SyncEngine::set_remote(const RemoteConfig& remote) {
  remote_ = remote;
  http_.reset();
}

std::string SyncEngine::device_id() {
  return store_->device_id();
}

HttpClient& SyncEngine::http() {
  if (!http_) http_ = std::make_unique<HttpClient>(remote_, device_id());
  return *http_;
}

bool SyncEngine::server_holds_pulls() {
  return craftsync::server_holds_pulls(http());
}

bool SyncEngine::wait_for_remote_change(int seconds, CancelToken& cancel) {
  return craftsync::wait_for_remote_change(*db_, http(), seconds, cancel);
}

SyncReport SyncEngine::sync(const SyncOptions& options, const ProgressFn& progress,
                            CancelToken& cancel) {
  SyncReport report;
  auto started = std::chrono::steady_clock::now();
  RunJournal journal(*db_);
  report.run_id = journal.start(options);
  ConflictPolicy policy = options.policy.value_or(settings().conflict_resolution);
  HttpClient& client = http();
  client.set_cancel(&cancel);
  auto elapsed_s = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  // Pulled pages may hold children before parents; the user's own edits keep FK checks on.
  db_->exec("PRAGMA foreign_keys = OFF");
  PushStats pushed;
  PullStats pulled;
  try {
    SyncLock lock(db_path_);  // one sync at a time per database, across processes
    PushOptions push_opts{options.entities, policy, 500, 20};
    if (progress) progress({SyncPhase::recovering, 0, 0, 0, 0, 0, 0, 0});
    SyncStep step{*db_, *store_, client, cancel};
    recover_inflight(step, push_opts, pushed);
    // Nothing is pulled while a change we sent is unanswered: its verdict decides what the
    // record is, and a pulled state must never be judged against a guess.
    if (std::int64_t waiting = store_->sync().inflight_count())
      throw RemoteError("the server has not answered " + std::to_string(waiting) +
                        " change(s) sent earlier (it asked to retry); nothing else was synced");
    if (options.direction != Direction::push) {
      PullOptions pull_opts{options.entities, policy, options.page_limit};
      pull_changes(step, pull_opts, pulled, [&](const PullProgress& p) {
        if (!progress) return;
        SyncProgress sp;
        sp.phase = SyncPhase::pulling;
        sp.pages = p.pages;
        sp.records = p.records;
        sp.bytes = p.bytes;
        sp.done = p.cursor_rev - p.start_rev;
        sp.total = p.head - p.start_rev;
        double s = elapsed_s();
        sp.records_per_second = s > 0 ? static_cast<double>(p.records) / s : 0;
        progress(sp);
      });
    }
    if (options.direction != Direction::pull) {
      push_outbox(step, push_opts, pushed, [&](const PushStats& s) {
        if (!progress) return;
        SyncProgress sp;
        sp.phase = SyncPhase::pushing;
        sp.pushed = s.pushed;
        progress(sp);
      });
    }
    report.ok = true;
    if (pushed.retried > 0) {
      report.ok = false;
      report.error =
          "the server asked to retry " + std::to_string(pushed.retried) + " change(s) later";
    }
  } catch (const Cancelled&) {
    report.cancelled = true;
    report.error = "cancelled";
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  report.pulled = pulled.pulled;
  report.skipped = pulled.skipped;
  report.pages = pulled.pages;
  report.bytes = pulled.bytes;
  report.resynced = pulled.resynced;
  report.pushed = pushed.pushed;
  report.merged = pulled.merged + pushed.merged;
  report.conflicts = pulled.conflicts + pushed.conflicts;
  report.rejected = pushed.rejected;
  report.retried = pushed.retried;
  report.held = pushed.held;
  report.forks = pushed.forks;
  report.overlapped = pushed.overlapped;
  for (const auto& n : pushed.notices) report.notice += (report.notice.empty() ? "" : "; ") + n;
  client.set_cancel(nullptr);
  if (pushed.forks > 0) http_.reset();  // its request header names the old device id
  db_->exec("PRAGMA foreign_keys = ON");
  report.duration_ms = static_cast<std::int64_t>(elapsed_s() * 1000);
  journal.finish(report);
  if (progress)
    progress({SyncPhase::done, report.pages, report.pulled, report.bytes, 0, 0, report.pushed, 0});
  return report;
}

VerifyReport SyncEngine::verify(const VerifyOptions& options, CancelToken& cancel) {
  VerifyReport report;
  std::vector<Entity> entities = options.entities;
  if (entities.empty()) entities.assign(kEntitiesInFkOrder.begin(), kEntitiesInFkOrder.end());
  std::sort(entities.begin(), entities.end());  // parents first: foreign-key order
  // A check compares with the server as it is now, so whatever it wrote since the last sync is
  // pulled first; differences that remain are real (or written while the check ran, below).
  auto pull = [&] {
    SyncOptions so;
    so.entities = options.entities;
    so.direction = Direction::pull;
    so.trigger = "verify";
    SyncReport r = sync(so, nullptr, cancel);
    if (r.cancelled) throw Cancelled();
    if (!r.ok) throw RemoteError("verify could not pull first: " + r.error);
    report.pulled += r.pulled;
  };
  // Each step under the sync lock, with the client as the last sync left it.
  auto locked = [&](auto&& work) {
    SyncLock lock(db_path_);
    HttpClient& client = http();
    ScopedCancel scope(client, cancel);
    SyncStep step{*db_, *store_, client, cancel};
    work(step);
  };
  auto check_all = [&](const SyncStep& step) {
    report.entities.clear();
    for (Entity e : entities) {
      if (cancel.is_cancelled()) throw Cancelled();
      report.entities.push_back(verify_entity(step, e, report.cost));
    }
    report.ok = std::all_of(report.entities.begin(), report.entities.end(),
                            [](const EntityCheck& c) { return c.clean(); });
  };
  pull();
  auto started = std::chrono::steady_clock::now();
  locked(check_all);
  // The server moved while the check ran: pull again and check again, a few times at most.
  for (int again = 0; again < 3 && !report.ok; ++again) {
    bool moved = false;
    for (const EntityCheck& c : report.entities)
      moved = moved || c.server_head > entity_cursor(*db_, c.entity);
    if (!moved) break;
    pull();
    locked(check_all);
  }
  if (options.repair && !report.ok) {
    report.repair_ran = true;
    locked([&](const SyncStep& step) {
      db_->exec("PRAGMA foreign_keys = OFF");  // as in a pull: a child may come before its parent
      try {
        for (const EntityCheck& c : report.entities)
          report.repaired += repair_entity(step, c, report.cost);
      } catch (...) {
        db_->exec("PRAGMA foreign_keys = ON");
        throw;
      }
      db_->exec("PRAGMA foreign_keys = ON");
      check_all(step);
    });
  }
  report.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return report;
}

RecordHistory SyncEngine::history(Entity e, const std::string& id, CancelToken& cancel,
                                  int max_revisions) {
  HttpClient& client = http();
  ScopedCancel scope(client, cancel);
  return fetch_history(client, e, id, max_revisions);
}

ConnectionReport SyncEngine::test_connection(CancelToken& cancel) {
  ConnectionReport r;
  RemoteConfig quick = remote_;
  quick.max_attempts = 1;
  HttpClient client(quick, device_id());
  client.set_cancel(&cancel);
  try {
    auto health = client.get("/api/v1/health", false);
    r.reachable = true;
    auto h = json::parse(health.body, nullptr, false);
    if (h.is_object()) r.server_version = h.value("version", "");
    std::int64_t before = unix_now_ms();
    auto session = client.get("/api/v1/session");
    std::int64_t after = unix_now_ms();
    SessionInfo s = parse_session(json::parse(session.body));
    r.authenticated = true;
    r.role = s.role;
    r.server_version = s.server_version;
    r.protocol = s.protocol;
    r.round_trip_ms = session.total_ms;
    auto j = json::parse(session.body);
    r.backend = j.value("backend", "");
    if (auto server_ms = unix_ms_from_iso(s.server_time))
      r.clock_skew_ms = static_cast<double>(*server_ms - (before + after) / 2);
    if (s.protocol != kProtocolVersion)
      r.error = "server speaks protocol " + std::to_string(s.protocol) + ", this client " +
                std::to_string(kProtocolVersion);
  } catch (const RemoteError& e) {
    if (e.status() != 0) r.reachable = true;
    r.error = e.what();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

StatusReport SyncEngine::status() {
  StatusReport s;
  s.device_id = device_id();
  LastRuns last = RunJournal(*db_).last_runs();
  s.last_sync_at = last.last_sync_at;
  s.last_attempt_at = last.last_attempt_at;
  s.last_error = last.last_error;
  SyncState& sync = store_->sync();
  s.pending = sync.count_in_state("pending");
  s.rejected = sync.count_in_state("rejected");
  s.outbox = sync.outbox_size();
  s.open_conflicts = open_conflict_count(*db_);
  s.fork = store_->fork_info();
  for (UnsettledRecord& r : sync.unsettled("rejected", 100))
    s.rejected_records.push_back(
        {r.entity, std::move(r.id), r.errors.is_null() ? json::array() : std::move(r.errors)});
  for (Entity e : kEntitiesInFkOrder)
    s.records[static_cast<int>(e)] =
        scalar(*db_, "SELECT count(*) FROM " + std::string(entity_name(e)));
  s.stats = RunJournal(*db_).statistics();
  return s;
}

std::vector<RunRecord> SyncEngine::runs(int limit) {
  return RunJournal(*db_).recent(limit);
}

Settings SyncEngine::settings() {
  return load_settings(*db_);
}

void SyncEngine::set_setting(const std::string& key, const std::string& value) {
  save_setting(*db_, key, value);
}

std::vector<ConflictRecord> SyncEngine::conflicts(bool include_resolved) {
  return list_conflicts(*db_, include_resolved);
}

void SyncEngine::resolve(std::int64_t conflict_id, const Resolution& r) {
  resolve_conflict(*db_, *store_, conflict_id, r);
}

}  // namespace craftsync
