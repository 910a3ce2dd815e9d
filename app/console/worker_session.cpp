#include "app/console/worker_session.hpp"

#include <array>
#include <cstdio>

#include "core/client_config.hpp"
#include "core/clock.hpp"
#include "core/conflicts.hpp"
#include "core/live_probe.hpp"
#include "core/local_watch.hpp"
#include "core/number_text.hpp"
#include "core/record_names.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync::console {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxEvents = 300;

bool is_read(const Command& c) {
  return std::holds_alternative<BrowseTable>(c) || std::holds_alternative<ShowRecord>(c) ||
         std::holds_alternative<FindChoices>(c) || std::holds_alternative<Refresh>(c) ||
         std::holds_alternative<CancelSync>(c);
}

// "Synced: 120 pulled, 3 pushed, 1 merged, 2 conflicts in 1.2 s" and the like.
std::string describe_report(const SyncReport& r) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", static_cast<double>(r.duration_ms) / 1000.0);
  if (r.cancelled) return std::string("Sync cancelled after ") + secs;
  if (!r.ok) return "Sync failed: " + r.error;
  std::string s = "Synced: " + thousands(r.pulled) + " pulled, " + thousands(r.pushed) + " pushed";
  if (r.merged) s += ", " + thousands(r.merged) + " merged";
  if (r.conflicts) s += ", " + counted(r.conflicts, "conflict");
  if (r.rejected) s += ", " + thousands(r.rejected) + " rejected";
  return s + " in " + secs;
}

}  // namespace

WorkerSession::WorkerSession(const WorkerOptions& options, WorkerChannel& channel)
    : options_(options),
      channel_(channel),
      clock_(options.clock ? *options.clock : system_clock()),
      schedule_(clock_,
                {options.offline_retry, options.progress_interval, options.page_refresh_interval}) {
  snap_.db_path = options_.db_path;
  snap_.remote = options_.remote_view;
  snap_.connection.link = snap_.remote.configured() ? Link::unknown : Link::unconfigured;
  snap_.data_generation = ReadModel::kFirstGeneration;
}

WorkerSession::~WorkerSession() = default;

void WorkerSession::run() {
  if (!open()) {
    publish();
    Command c;
    while (!channel_.stopping())
      if (channel_.wait_command(c, SyncSchedule::kMaxWait)) finish_command();
    return;
  }
  reads_->refresh_all(snap_);
  schedule_.plan_launch_sync(snap_.remote.configured() && options_.allow_launch_sync &&
                             snap_.settings.sync_on_launch);
  schedule_auto();
  publish();
  run_due_sync();  // the launch sync, when there is one
  // After it: a held pull from the launch sync's cursor waits for what is new, where one from
  // before it would answer at once with what that sync is pulling anyway.
  update_live();
  while (!channel_.stopping()) {
    std::vector<Command> batch;
    while (!deferred_.empty()) {
      batch.push_back(std::move(deferred_.front()));
      deferred_.pop_front();
    }
    Command c;
    if (batch.empty() && channel_.wait_command(c, schedule_.time_to_next()))
      batch.push_back(std::move(c));
    while (channel_.try_command(c)) batch.push_back(std::move(c));
    if (channel_.stopping()) break;
    if (!batch.empty()) {
      handle_batch(batch);
      publish();
    }
    run_due_sync();
  }
}

bool WorkerSession::open() {
  try {
    engine_ = std::make_unique<SyncEngine>(options_.db_path);
    engine_->set_remote(options_.remote);
    reads_.emplace(*engine_);
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
  std::optional<FindChoices> choices_cmd;
  for (auto& c : batch) {
    if (auto* b = std::get_if<BrowseTable>(&c)) {
      windows[entity_index(b->query.entity)] = b->query;
      finish_command();
    } else if (auto* f = std::get_if<FindChoices>(&c)) {
      choices_cmd = *f;
      finish_command();
    } else if (auto* s = std::get_if<ShowRecord>(&c)) {
      show_cmd = *s;
      finish_command();
    } else {
      handle(c);
    }
  }
  for (auto& w : windows)
    if (w) reads_->browse(*w, snap_);
  if (show_cmd) reads_->show(show_cmd->entity, show_cmd->id, snap_);
  if (choices_cmd) reads_->find_choices(choices_cmd->entity, choices_cmd->search, snap_);
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
            reads_->browse(cmd.query, snap_);
          } else if constexpr (std::is_same_v<T, ShowRecord>) {
            reads_->show(cmd.entity, cmd.id, snap_);
          } else if constexpr (std::is_same_v<T, FindChoices>) {
            reads_->find_choices(cmd.entity, cmd.search, snap_);
          } else if constexpr (std::is_same_v<T, ResolveConflict>) {
            resolve(cmd);
          } else if constexpr (std::is_same_v<T, RestoreValue>) {
            restore(cmd);
          } else if constexpr (std::is_same_v<T, Refresh>) {
            reads_->refresh_all(snap_);
          } else if constexpr (std::is_same_v<T, LiveEvent>) {
            live_event(cmd);
          } else if constexpr (std::is_same_v<T, VerifyNow>) {
            verify(cmd);
          } else if constexpr (std::is_same_v<T, ShowHistory>) {
            show_history(cmd);
          } else {
            edit(c);
          }
        } catch (const std::exception& e) {
          event(Event::Level::error, e.what());
        }
      },
      c);
  if (!std::holds_alternative<LiveEvent>(c)) finish_command();  // the UI did not send it
}

void WorkerSession::update_live() {
  // Without the launch sync (--no-launch-sync), live sync waits for the first sync the user
  // asks for: it would otherwise sync at once whenever the server had something new.
  bool wanted = engine_ && snap_.remote.configured() && snap_.settings.live_sync &&
                options_.allow_live_sync && (options_.allow_launch_sync || synced_once_);
  RemoteConfig remote = engine_ ? engine_->remote() : RemoteConfig{};
  if (wanted && live_ && live_remote_ == remote.url + "\n" + remote.api_key) return;
  live_.reset();  // joins the probe's thread
  local_.reset();
  live_connected_ = false;
  if (!wanted) return;
  live_remote_ = remote.url + "\n" + remote.api_key;
  WorkerChannel& channel = channel_;
  live_ = std::make_unique<LiveProbe>(
      options_.db_path, remote, engine_->device_id(),
      LiveProbe::Events{[&channel] {
                          channel.post(LiveEvent{LiveEvent::Kind::change, ""});
                        },
                        [&channel](bool connected, const std::string& why) {
                          channel.post(LiveEvent{
                              connected ? LiveEvent::Kind::connected : LiveEvent::Kind::lost, why});
                        }});
  // A change queued by another process (or by this console's own edits) is pushed at once.
  local_ = std::make_unique<LocalWriteWatch>(options_.db_path, [&channel] {
    channel.post(LiveEvent{LiveEvent::Kind::change, ""});
  });
}

void WorkerSession::live_event(const LiveEvent& e) {
  if (!live_) return;  // news from a probe that has since stopped
  switch (e.kind) {
    case LiveEvent::Kind::connected:
      live_connected_ = true;
      break;
    case LiveEvent::Kind::lost:
      if (live_connected_) event(Event::Level::error, "Live sync paused: " + e.why);
      live_connected_ = false;
      break;
    case LiveEvent::Kind::change: {
      SyncOptions o;
      o.trigger = "live";
      run_sync(o);
      live_->synced();
      break;
    }
  }
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

// ---------------------------------------------------------------------------------------------
// Sync

void WorkerSession::run_due_sync() {
  SyncSchedule::Due due = schedule_.due();
  if (due == SyncSchedule::Due::nothing) return;
  SyncOptions o;
  o.trigger =
      due == SyncSchedule::Due::launch ? (sync_after_save_ ? "settings" : "launch") : "auto";
  run_sync(o);
  if (due == SyncSchedule::Due::launch) schedule_.launch_sync_done();
  sync_after_save_ = false;
  publish();
}

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
  snap_.sync.started_ms = clock_.now_ms();
  schedule_.sync_started();
  snap_.connection.retry_at_ms = 0;
  publish();

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
    schedule_.sync_succeeded();
    // A live sync that moved nothing (the echo of this device's own push, say) is journaled
    // but kept out of the activity log.
    bool moved = report.pulled || report.pushed || report.merged || report.conflicts ||
                 report.rejected || report.resynced;
    if (options.trigger != "live" || moved) event(Event::Level::info, describe_report(report));
  } else if (report.cancelled) {
    event(Event::Level::info, describe_report(report));
  } else {
    classify_failure(report);
  }
  reads_->data_changed();
  reads_->refresh_all(snap_);
  schedule_auto();
  if (!synced_once_) {
    synced_once_ = true;
    update_live();
  }
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
  SyncSchedule::ProgressTick tick = schedule_.progress_tick(p.phase == SyncPhase::done);
  if (!tick.publish) return;
  serve_reads_during_sync();
  if (tick.refresh_page) reads_->refresh_during_sync(snap_);
  publish();
}

void WorkerSession::classify_failure(const SyncReport& r) {
  ConnectionReport probe;
  if (channel_.begin_probe()) probe = engine_->test_connection(channel_.probe_token());
  if (!probe.reachable) {
    schedule_.sync_failed_offline();
    snap_.connection = {Link::offline, r.error, schedule_.retry_at_ms()};
    event(Event::Level::error, "Offline: " + r.error);
    return;
  }
  schedule_.sync_failed_online();
  snap_.connection = {probe.authenticated ? Link::error : Link::auth_error, r.error, 0};
  event(Event::Level::error, "Sync failed: " + r.error);
}

void WorkerSession::test_connection(const TestConnection& t) {
  RemoteConfig saved = engine_->remote(), trial = saved;
  trial.url = t.url;
  trial.api_key = t.api_key;
  snap_.testing_connection = true;
  snap_.connection_test_url = t.url;
  snap_.connection_test_key = t.api_key;
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
    snap_.connection = {link, r.error, schedule_.retry_at_ms()};
  }
  event(ok ? Event::Level::info : Event::Level::error,
        ok ? "Connection test passed: " + t.url : "Connection test failed: " + r.error);
}

void WorkerSession::verify(const VerifyNow& v) {
  if (!snap_.remote.configured()) {
    event(Event::Level::error,
          "No server configured: enter the server URL and API key in Settings");
    return;
  }
  if (!channel_.begin_sync()) return;  // CancelSync stops a verify as it stops a sync
  snap_.verify.running = true;
  snap_.verify.repairing = v.repair;
  snap_.verify.error.clear();
  publish();
  try {
    VerifyOptions o;
    o.repair = v.repair;
    auto r = std::make_shared<const VerifyReport>(engine_->verify(o, channel_.sync_token()));
    snap_.verify.report = r;
    snap_.connection = {Link::online, "", 0};
    event(r->ok ? Event::Level::info : Event::Level::error, r->summary());
  } catch (const Cancelled&) {
    snap_.verify.error = "cancelled";
    event(Event::Level::info, "Verify cancelled");
  } catch (const std::exception& e) {
    snap_.verify.error = e.what();
    event(Event::Level::error, std::string("Verify could not run: ") + e.what());
  }
  channel_.end_sync();
  snap_.verify.running = false;
  snap_.verify.finished_ms = clock_.now_ms();
  reads_->data_changed();
  reads_->refresh_all(snap_);
}

void WorkerSession::show_history(const ShowHistory& h) {
  snap_.history = HistoryState{h.entity, h.id, true, "", nullptr};
  if (!snap_.remote.configured()) {
    snap_.history.loading = false;
    snap_.history.error = "No server configured: history is kept on the server";
    return;
  }
  publish();
  if (!channel_.begin_probe()) return;  // stopping
  try {
    snap_.history.history = std::make_shared<const RecordHistory>(
        engine_->history(h.entity, h.id, channel_.probe_token()));
  } catch (const RemoteError& e) {
    snap_.history.error = e.status() == 404
                              ? "The server has no history of this record (it was "
                                "never synced, or its history was pruned)"
                              : std::string("Could not fetch the history: ") + e.what();
  } catch (const std::exception& e) {
    snap_.history.error = std::string("Could not fetch the history: ") + e.what();
  }
  snap_.history.loading = false;
}

void WorkerSession::schedule_auto() {
  schedule_.set_auto_sync(snap_.settings.auto_sync_enabled && snap_.remote.configured(),
                          snap_.settings.sync_interval_minutes,
                          unix_ms_from_iso(snap_.status.last_attempt_at));
  snap_.next_auto_sync_ms = schedule_.next_auto_ms();
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
    snap_.connection.settings_changed = true;
    schedule_.cancel_retry();
    note = " and server saved to " + config_file_path();
    // A new server or key is used at once, as at launch (when syncOnLaunch is on): the badge
    // then says what this server answers, not what the old one did.
    if (snap_.remote.configured() && s.settings.sync_on_launch) {
      schedule_.plan_launch_sync(true);
      sync_after_save_ = true;
    }
    if (old_source == "command line" || old_source == "environment" ||
        old_source.rfind(".env", 0) == 0)
      note += " (the " + old_source + " still takes precedence at the next start)";
  }
  snap_.settings = engine_->settings();
  schedule_auto();
  update_live();
  event(Event::Level::info, "Settings saved" + note);
}

void WorkerSession::edit(const Command& c) {
  RecordStore& store = engine_->records();
  Entity e = Entity::customers;
  std::string id, what, name;
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
  } else if (auto* rv = std::get_if<RestoreVersion>(&c)) {
    e = rv->entity;
    id = rv->id;
    store.update(e, id, rv->fields);
    what = "Restored rev " + std::to_string(rv->rev) + " of";
  } else if (auto* del = std::get_if<DeleteRecord>(&c)) {
    e = del->entity;
    id = del->id;
    name = store.name_of(e, id).value_or(id);
    store.remove(e, id);
    what = "Deleted";
  } else {
    return;
  }
  if (name.empty()) name = store.name_of(e, id).value_or(id);
  reads_->data_changed();
  event(Event::Level::info, what + " " + record_title(e, name) + " (pushed at the next sync)", id);
  reads_->after_edit(e, what == "Created" ? std::optional(id) : std::nullopt, snap_);
}

void WorkerSession::resolve(const ResolveConflict& r) {
  auto c = find_conflict(engine_->db(), r.conflict_id);
  engine_->resolve(r.conflict_id, r.resolution);
  std::string how = r.resolution.keep
                        ? (*r.resolution.keep == Side::local ? "kept local" : "kept remote")
                        : "picked per field";
  std::string what = c ? "Conflict on " + record_title(c->entity, conflict_name(*c))
                       : "Conflict " + std::to_string(r.conflict_id);
  event(Event::Level::info,
        what + " resolved (" + how + "); " +
            (r.sync_now ? "syncing now" : "the result is pushed at the next sync"),
        c ? c->entity_id : "");
  reads_->data_changed();
  reads_->refresh_all(snap_);
  if (r.sync_now && snap_.remote.configured()) {
    publish();  // the conflict leaves the screen before the sync starts
    SyncOptions o;
    o.trigger = "resolve";
    run_sync(o);
  }
}

void WorkerSession::restore(const RestoreValue& r) {
  auto c = find_conflict(engine_->db(), r.conflict_id);
  if (!c) throw UserError("no conflict with id " + std::to_string(r.conflict_id));
  restore_value(engine_->records(), *c, r.side, r.field);
  event(Event::Level::info,
        "Restored " + r.field + " of " + record_title(c->entity, conflict_name(*c)) +
            " (pushed at the next sync)",
        c->entity_id);
  reads_->data_changed();
  reads_->refresh_all(snap_);
}

// ---------------------------------------------------------------------------------------------

void WorkerSession::event(Event::Level level, std::string text, std::string record_id) {
  events_.push_back(
      Event{next_event_id_++, clock_.now_ms(), level, std::move(text), std::move(record_id)});
  if (events_.size() > kMaxEvents) events_.erase(events_.begin());
  snap_.events = std::make_shared<const std::vector<Event>>(events_);
}

void WorkerSession::publish() {
  ++snap_.version;
  snap_.connection.live = live_ && live_connected_;
  snap_.commands_done = done_;
  if (reads_) snap_.data_generation = reads_->generation();
  snap_.launch_sync_pending = schedule_.launch_pending();
  channel_.publish(std::make_shared<const Snapshot>(snap_));
}

}  // namespace craftsync::console
