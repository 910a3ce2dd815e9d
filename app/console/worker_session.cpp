#include "app/console/worker_session.hpp"

#include <algorithm>

#include "app/console/snapshot_reader.hpp"
#include "core/client_config.hpp"
#include "core/clock.hpp"
#include "core/conflicts.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync::console {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxEvents = 300;
constexpr std::size_t kResolvedHistory = 200;
constexpr int kRunHistory = 200;
constexpr std::chrono::seconds kMaxOfflineBackoff{300};
constexpr std::chrono::milliseconds kIdleWait{60000};

bool is_read(const Command& c) {
  return std::holds_alternative<BrowseTable>(c) || std::holds_alternative<ShowRecord>(c) ||
         std::holds_alternative<Refresh>(c) || std::holds_alternative<CancelSync>(c);
}

}  // namespace

WorkerSession::WorkerSession(const WorkerOptions& options, WorkerChannel& channel)
    : options_(options), channel_(channel) {
  snap_.db_path = options_.db_path;
  snap_.remote = options_.remote_view;
  snap_.connection.link = snap_.remote.configured() ? Link::unknown : Link::unconfigured;
}

WorkerSession::~WorkerSession() = default;

void WorkerSession::run() {
  if (!open()) {
    publish();
    Command c;
    while (!channel_.stopping())
      if (channel_.wait_command(c, kIdleWait)) finish_command();
    return;
  }
  refresh_all();
  bool launch =
      snap_.remote.configured() && options_.allow_launch_sync && snap_.settings.sync_on_launch;
  snap_.launch_sync_pending = launch;
  schedule_auto();
  publish();
  if (launch) {
    SyncOptions o;
    o.trigger = "launch";
    run_sync(o);
    snap_.launch_sync_pending = false;
    publish();
  }
  while (!channel_.stopping()) {
    std::vector<Command> batch;
    while (!deferred_.empty()) {
      batch.push_back(std::move(deferred_.front()));
      deferred_.pop_front();
    }
    Command c;
    if (batch.empty() && channel_.wait_command(c, time_to_next_timer()))
      batch.push_back(std::move(c));
    while (channel_.try_command(c)) batch.push_back(std::move(c));
    if (channel_.stopping()) break;
    if (!batch.empty()) {
      handle_batch(batch);
      publish();
    }
    fire_due_timers();
  }
}

bool WorkerSession::open() {
  try {
    engine_ = std::make_unique<SyncEngine>(options_.db_path);
    engine_->set_remote(options_.remote);
    snap_.loaded = true;
    return true;
  } catch (const std::exception& e) {
    snap_.load_error = "cannot open " + options_.db_path + ": " + e.what();
    event(Event::Level::error, snap_.load_error);
    return false;
  }
}

// Reads are coalesced (only the newest window per table matters); everything else runs in order.
void WorkerSession::handle_batch(std::vector<Command>& batch) {
  std::array<std::optional<TableQuery>, 3> windows;
  std::optional<ShowRecord> show_cmd;
  for (auto& c : batch) {
    if (auto* b = std::get_if<BrowseTable>(&c)) {
      windows[entity_index(b->query.entity)] = b->query;
      finish_command();
    } else if (auto* s = std::get_if<ShowRecord>(&c)) {
      show_cmd = *s;
      finish_command();
    } else {
      handle(c);
    }
  }
  for (auto& w : windows)
    if (w) browse(*w);
  if (show_cmd) show(show_cmd->entity, show_cmd->id);
}

void WorkerSession::handle(Command& c) {
  std::visit(
      [&](auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        try {
          if constexpr (std::is_same_v<T, SyncNow>) {
            SyncOptions o;
            o.entities = cmd.entities;
            o.direction = cmd.direction;
            o.policy = cmd.policy;
            o.trigger = "manual";
            run_sync(o);
          } else if constexpr (std::is_same_v<T, CancelSync>) {
            // The channel already tripped the token; nothing runs now.
          } else if constexpr (std::is_same_v<T, TestConnection>) {
            test_connection(cmd);
          } else if constexpr (std::is_same_v<T, SaveSettings>) {
            save_settings(cmd);
          } else if constexpr (std::is_same_v<T, BrowseTable>) {
            browse(cmd.query);
          } else if constexpr (std::is_same_v<T, ShowRecord>) {
            show(cmd.entity, cmd.id);
          } else if constexpr (std::is_same_v<T, ResolveConflict>) {
            resolve(cmd);
          } else if constexpr (std::is_same_v<T, RestoreValue>) {
            restore(cmd);
          } else if constexpr (std::is_same_v<T, Refresh>) {
            refresh_all();
          } else {
            edit(c);
          }
        } catch (const std::exception& e) {
          event(Event::Level::error, e.what());
        }
      },
      c);
  finish_command();
}

// ---------------------------------------------------------------------------------------------
// Sync

void WorkerSession::run_sync(SyncOptions options) {
  if (!snap_.remote.configured()) {
    event(Event::Level::error,
          "No server configured: enter the server URL and API key in Settings");
    return;
  }
  if (!channel_.begin_sync()) return;
  options.page_limit = options_.page_limit;
  snap_.sync = SyncActivity{};
  snap_.sync.running = true;
  snap_.sync.trigger = options.trigger;
  snap_.sync.entity = entity_list(options.entities);
  snap_.sync.direction = std::string(direction_name(options.direction));
  snap_.sync.started_ms = unix_now_ms();
  retry_at_ms_ = 0;
  snap_.connection.retry_at_ms = 0;
  publish();
  last_progress_publish_ = Clock::now();
  last_page_refresh_ =
      Clock::now() - options_.page_refresh_interval;  // the first progress refreshes

  SyncReport report;
  try {
    report = engine_->sync(
        options, [this](const SyncProgress& p) { on_progress(p); }, channel_.sync_token());
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  channel_.end_sync();
  snap_.sync.running = false;
  snap_.sync.cancelling = false;

  if (report.ok) {
    snap_.connection = {Link::online, "", 0};
    offline_backoff_ = std::chrono::seconds(0);
    event(Event::Level::info, describe_report(report));
  } else if (report.cancelled) {
    event(Event::Level::info, describe_report(report));
  } else {
    classify_failure(report);
  }
  ++generation_;
  refresh_all();
  schedule_auto();
}

void WorkerSession::on_progress(const SyncProgress& p) {
  if (p.phase == SyncPhase::pushing && snap_.sync.progress.phase == SyncPhase::pulling) {
    // keep the pull's figures visible while the push reports only its count
    SyncProgress merged = snap_.sync.progress;
    merged.phase = p.phase;
    merged.pushed = p.pushed;
    snap_.sync.progress = merged;
  } else if (p.phase == SyncPhase::pushing) {
    snap_.sync.progress.phase = p.phase;
    snap_.sync.progress.pushed = p.pushed;
  } else {
    snap_.sync.progress = p;
  }
  auto now = Clock::now();
  if (now - last_progress_publish_ < options_.progress_interval && p.phase != SyncPhase::done)
    return;
  last_progress_publish_ = now;
  serve_reads_during_sync();
  if (now - last_page_refresh_ >= options_.page_refresh_interval) {
    last_page_refresh_ = now;
    ++generation_;
    snap_.status = engine_->status();
    if (active_table_) refresh_page(*active_table_);
  }
  publish();
}

// Between pages the connection is free, so reads are served at once; writes wait for the end.
void WorkerSession::serve_reads_during_sync() {
  std::vector<Command> reads;
  Command c;
  while (channel_.try_command(c)) {
    if (std::holds_alternative<CancelSync>(c)) {
      snap_.sync.cancelling = true;
      finish_command();
    } else if (is_read(c)) {
      reads.push_back(std::move(c));
    } else {
      deferred_.push_back(std::move(c));
    }
  }
  std::vector<Command> refreshes;
  for (auto& r : reads)
    if (std::holds_alternative<Refresh>(r))
      finish_command();
    else
      refreshes.push_back(std::move(r));
  if (!refreshes.empty()) handle_batch(refreshes);
}

void WorkerSession::classify_failure(const SyncReport& r) {
  ConnectionReport probe;
  if (channel_.begin_probe()) probe = engine_->test_connection(channel_.probe_token());
  if (!probe.reachable) {
    offline_backoff_ = offline_backoff_.count() == 0
                           ? options_.offline_retry
                           : std::min(offline_backoff_ * 2, kMaxOfflineBackoff);
    retry_at_ms_ = unix_now_ms() +
                   std::chrono::duration_cast<std::chrono::milliseconds>(offline_backoff_).count();
    snap_.connection = {Link::offline, r.error, retry_at_ms_};
    event(Event::Level::error, "Offline: " + r.error);
    return;
  }
  offline_backoff_ = std::chrono::seconds(0);
  snap_.connection = {probe.authenticated ? Link::error : Link::auth_error, r.error, 0};
  event(Event::Level::error, "Sync failed: " + r.error);
}

void WorkerSession::test_connection(const TestConnection& t) {
  RemoteConfig saved = engine_->remote(), trial = saved;
  trial.url = t.url;
  trial.api_key = t.api_key;
  snap_.testing_connection = true;
  snap_.connection_test_url = t.url;
  publish();
  ConnectionReport r;
  if (t.url.empty())
    r.error = "enter a server URL first";
  else if (channel_.begin_probe()) {
    engine_->set_remote(trial);
    r = engine_->test_connection(channel_.probe_token());
    engine_->set_remote(saved);
  }
  snap_.testing_connection = false;
  snap_.connection_test = std::make_shared<const ConnectionReport>(r);
  bool ok = r.ok();
  if (t.url == saved.url && t.api_key == saved.api_key && !t.url.empty()) {
    Link link = ok                 ? Link::online
                : !r.reachable     ? Link::offline
                : !r.authenticated ? Link::auth_error
                                   : Link::error;
    snap_.connection = {link, r.error, retry_at_ms_};
  }
  event(ok ? Event::Level::info : Event::Level::error,
        ok ? "Connection test passed: " + t.url : "Connection test failed: " + r.error);
}

// ---------------------------------------------------------------------------------------------
// Writes

void WorkerSession::save_settings(const SaveSettings& s) {
  {
    SqliteTxn txn(engine_->db());  // all four settings or none
    for (const auto& key : setting_keys())
      engine_->set_setting(key, setting_value(s.settings, key));
    txn.commit();
  }
  std::string note;
  if (s.save_remote) {
    ConfigFile f = read_config_file();
    f.remote_url = s.url;
    f.api_key = s.api_key;
    write_config_file(f);
    RemoteConfig r = engine_->remote();
    r.url = s.url;
    r.api_key = s.api_key;
    engine_->set_remote(r);
    std::string old_source = snap_.remote.source;
    snap_.remote.url = s.url;
    snap_.remote.api_key = s.api_key;
    snap_.remote.source = "config file";
    snap_.connection = {snap_.remote.configured() ? Link::unknown : Link::unconfigured, "", 0};
    retry_at_ms_ = 0;
    note = " and server saved to " + config_file_path();
    if (old_source == "command line" || old_source == "environment")
      note += " (the " + old_source + " still takes precedence at the next start)";
  }
  snap_.settings = engine_->settings();
  schedule_auto();
  event(Event::Level::info, "Settings saved" + note);
}

void WorkerSession::edit(const Command& c) {
  RecordStore& store = engine_->records();
  Entity e = Entity::customers;
  std::string id, what;
  if (auto* cr = std::get_if<CreateRecord>(&c)) {
    e = cr->entity;
    json row = store.create(e, cr->fields);
    id = row.value("id", "");
    what = "Created";
  } else if (auto* up = std::get_if<UpdateRecord>(&c)) {
    e = up->entity;
    id = up->id;
    store.update(e, id, up->patch);
    what = "Saved";
  } else if (auto* del = std::get_if<DeleteRecord>(&c)) {
    e = del->entity;
    id = del->id;
    store.remove(e, id);
    what = "Deleted";
  } else {
    return;
  }
  ++generation_;
  event(Event::Level::info,
        what + " " + std::string(entity_name(e)) + " " + id + " (pushed at the next sync)");
  snap_.status = engine_->status();
  refresh_page(e);
  if (what == "Created")
    show(e, id);
  else
    refresh_detail();
}

void WorkerSession::resolve(const ResolveConflict& r) {
  engine_->resolve(r.conflict_id, r.resolution);
  std::string how = r.resolution.keep
                        ? (*r.resolution.keep == Side::local ? "kept local" : "kept remote")
                        : "picked per field";
  event(Event::Level::info, "Conflict " + std::to_string(r.conflict_id) + " resolved (" + how +
                                "); the result is pushed at the next sync");
  ++generation_;
  refresh_all();
}

void WorkerSession::restore(const RestoreValue& r) {
  auto c = find_conflict(engine_->db(), r.conflict_id);
  if (!c) throw UserError("no conflict with id " + std::to_string(r.conflict_id));
  restore_value(engine_->records(), *c, r.side, r.field);
  event(Event::Level::info, "Restored " + r.field + " of " + std::string(entity_name(c->entity)) +
                                " " + c->entity_id + " (pushed at the next sync)");
  ++generation_;
  refresh_all();
}

// ---------------------------------------------------------------------------------------------
// Reads

void WorkerSession::browse(const TableQuery& q) {
  browsed_[entity_index(q.entity)] = q;
  active_table_ = q.entity;
  refresh_page(q.entity);
}

void WorkerSession::refresh_page(Entity e) {
  auto& q = browsed_[entity_index(e)];
  if (!q) return;
  CountCache& cc = counts_[entity_index(e)];
  if (!cc.filter || !cc.filter->same_filter(*q) || cc.generation != generation_) {
    cc.total = engine_->records().count(e, ListQuery{q->search, q->state, 0, 0});
    cc.filter = *q;
    cc.generation = generation_;
  }
  snap_.pages[entity_index(e)] = read_page(*engine_, *q, cc.total, generation_);
}

void WorkerSession::refresh_pages() {
  for (Entity e : kEntitiesInFkOrder) refresh_page(e);
}

void WorkerSession::show(Entity e, const std::string& id) {
  if (id.empty()) {
    shown_.reset();
    snap_.detail.reset();
    return;
  }
  shown_ = std::make_pair(e, id);
  snap_.detail = read_detail(*engine_, e, id);
}

void WorkerSession::refresh_detail() {
  if (shown_) snap_.detail = read_detail(*engine_, shown_->first, shown_->second);
}

void WorkerSession::refresh_status() {
  snap_.status = engine_->status();
  snap_.settings = engine_->settings();
  snap_.runs = std::make_shared<const std::vector<RunRecord>>(engine_->runs(kRunHistory));
  ConflictLists lists = read_conflicts(*engine_, kResolvedHistory);
  snap_.open_conflicts = std::move(lists.open);
  snap_.resolved_conflicts = std::move(lists.resolved);
}

void WorkerSession::refresh_all() {
  refresh_status();
  refresh_pages();
  refresh_detail();
}

// ---------------------------------------------------------------------------------------------
// Timers

void WorkerSession::schedule_auto() {
  next_auto_ms_ = 0;
  if (snap_.settings.auto_sync_enabled && snap_.remote.configured()) {
    std::int64_t now = unix_now_ms(),
                 interval = std::int64_t(snap_.settings.sync_interval_minutes) * 60000;
    std::int64_t base = unix_ms_from_iso(snap_.status.last_attempt_at).value_or(now);
    next_auto_ms_ = base + interval;
    if (next_auto_ms_ < now) next_auto_ms_ = now + 60000;  // long overdue: soon, not mid-start-up
  }
  snap_.next_auto_sync_ms = next_auto_ms_;
}

std::chrono::milliseconds WorkerSession::time_to_next_timer() const {
  std::int64_t next = 0;
  for (std::int64_t t : {next_auto_ms_, retry_at_ms_})
    if (t > 0 && (next == 0 || t < next)) next = t;
  if (next == 0) return kIdleWait;
  return std::chrono::milliseconds(
      std::clamp<std::int64_t>(next - unix_now_ms(), 0, kIdleWait.count()));
}

void WorkerSession::fire_due_timers() {
  std::int64_t now = unix_now_ms();
  bool retry_due = retry_at_ms_ > 0 && now >= retry_at_ms_;
  bool auto_due = next_auto_ms_ > 0 && now >= next_auto_ms_;
  if (!retry_due && !auto_due) return;
  SyncOptions o;
  o.trigger = "auto";
  run_sync(o);
  publish();
}

// ---------------------------------------------------------------------------------------------

void WorkerSession::event(Event::Level level, std::string text) {
  events_.push_back(Event{next_event_id_++, unix_now_ms(), level, std::move(text)});
  if (events_.size() > kMaxEvents) events_.erase(events_.begin());
  snap_.events = std::make_shared<const std::vector<Event>>(events_);
}

void WorkerSession::publish() {
  ++snap_.version;
  snap_.commands_done = done_;
  snap_.data_generation = generation_;
  channel_.publish(std::make_shared<const Snapshot>(snap_));
}

}  // namespace craftsync::console
