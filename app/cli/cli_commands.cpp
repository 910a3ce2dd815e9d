#include "app/cli/cli_commands.hpp"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "app/cli/cli_output.hpp"
#include "core/live_probe.hpp"
#include "core/local_watch.hpp"
#include "core/record_store.hpp"
#include "core/sync_engine.hpp"

namespace craftsync::cli {
namespace {

using nlohmann::json;

Entity entity_arg(const std::string& name) {
  auto e = parse_entity(name);
  if (!e) throw UserError("unknown entity '" + name + "' (use customers, quotes or orders)");
  return *e;
}

json parse_assignments(const std::vector<std::string>& assignments) {
  json fields = json::object();
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError("expected field=value, got '" + a + "'");
    std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    fields[key] = value.empty() ? json(nullptr) : json(value);
  }
  return fields;
}

std::unique_ptr<SyncEngine> open_engine(const GlobalOptions& g, bool need_remote) {
  auto engine = std::make_unique<SyncEngine>(g.db.empty() ? default_db_path() : g.db);
  std::string warning;
  RemoteConfig remote = resolve_remote(g.remote, &warning);
  if (!warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  if (need_remote) {
    if (remote.url.empty())
      throw UserError("no server configured: pass --remote URL or set REMOTE_API_URL");
    if (remote.api_key.empty())
      throw UserError("no API key: pass --api-key, set REMOTE_API_KEY, or put it in " +
                      config_file_path());
    if (remote.insecure)
      std::fprintf(
          stderr,
          "warning: TLS certificate verification is off (--insecure); use --ca-file instead\n");
  }
  engine->set_remote(remote);
  return engine;
}

json record_json(SyncEngine& engine, Entity e, const json& row) {
  auto info = engine.records().sync_info(e, row["id"].get<std::string>());
  return info ? with_sync_info(row, *info) : row;
}

std::vector<Entity> entities_arg(const std::string& entity) {
  if (entity == "all") return {};
  return {entity_arg(entity)};
}

// Signals stop `watch` (and a sync or held pull it is running) cooperatively.
CancelToken* g_cancel = nullptr;
CancelToken* g_cancel_hold = nullptr;
volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
  if (g_cancel) g_cancel->cancel();
  if (g_cancel_hold) g_cancel_hold->cancel();
}

}  // namespace

int cmd_create(const GlobalOptions& g, const std::string& entity,
               const std::vector<std::string>& assignments) {
  auto engine = open_engine(g, false);
  Entity e = entity_arg(entity);
  json row = engine->records().create(e, parse_assignments(assignments));
  print_json(record_json(*engine, e, row));
  return 0;
}

int cmd_update(const GlobalOptions& g, const std::string& entity, const std::string& id,
               const std::vector<std::string>& assignments) {
  auto engine = open_engine(g, false);
  Entity e = entity_arg(entity);
  if (assignments.empty()) throw UserError("nothing to update: give field=value pairs");
  json row = engine->records().update(e, id, parse_assignments(assignments));
  print_json(record_json(*engine, e, row));
  return 0;
}

int cmd_delete(const GlobalOptions& g, const std::string& entity, const std::string& id) {
  auto engine = open_engine(g, false);
  Entity e = entity_arg(entity);
  engine->records().remove(e, id);
  if (g.json)
    print_json({{"deleted", true}, {"entity", entity}, {"id", id}});
  else
    std::printf("deleted %s %s (the server learns of it at the next sync)\n", entity.c_str(),
                id.c_str());
  return 0;
}

int cmd_get(const GlobalOptions& g, const std::string& entity, const std::string& id) {
  auto engine = open_engine(g, false);
  Entity e = entity_arg(entity);
  auto row = engine->records().read_row(e, id);
  if (!row) throw UserError(entity + " " + id + " not found");
  print_json(record_json(*engine, e, *row));
  return 0;
}

int cmd_list(const GlobalOptions& g, const std::string& entity, const std::string& search,
             const std::string& state, long long limit, long long offset) {
  auto engine = open_engine(g, false);
  Entity e = entity_arg(entity);
  ListQuery q{search, state, offset, limit};
  std::vector<json> rows;
  for (auto& r : engine->records().list(e, q)) rows.push_back(record_json(*engine, e, r));
  if (g.json)
    print_json(rows);
  else
    print_table(e, rows);
  return 0;
}

int cmd_sync(const GlobalOptions& g, const std::string& entity, const std::string& direction,
             const std::string& policy) {
  auto engine = open_engine(g, true);
  SyncOptions o;
  o.entities = entities_arg(entity);
  auto d = parse_direction(direction);
  if (!d) throw UserError("--direction must be both, push or pull");
  o.direction = *d;
  if (!policy.empty()) {
    auto p = parse_policy(policy);
    if (!p) throw UserError("--policy must be remote, local or manual");
    o.policy = *p;
  }
  CancelToken cancel;
  g_cancel = &cancel;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  ProgressLine line(!g.json);
  SyncReport r = engine->sync(
      o, [&](const SyncProgress& p) { line.update(p); }, cancel);
  line.finish();
  g_cancel = nullptr;
  if (g.json)
    print_json(r.to_json());
  else
    print_report(r);
  if (!r.ok) {
    std::fprintf(stderr, "craftsync: sync failed: %s\n", r.error.c_str());
    return 2;
  }
  return 0;
}

int cmd_verify(const GlobalOptions& g, const std::string& entity, bool repair) {
  auto engine = open_engine(g, true);
  VerifyOptions o;
  o.entities = entities_arg(entity);
  o.repair = repair;
  CancelToken cancel;
  g_cancel = &cancel;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (!g.json) std::fprintf(stderr, "craftsync: pulling, then comparing checksums...\n");
  VerifyReport r = engine->verify(o, cancel);
  g_cancel = nullptr;
  if (g.json)
    print_json(r.to_json());
  else
    print_verify(r);
  return r.ok ? 0 : 3;
}

int cmd_history(const GlobalOptions& g, const std::string& entity, const std::string& id) {
  Entity e = entity_arg(entity);
  auto engine = open_engine(g, true);
  CancelToken cancel;
  RecordHistory h;
  try {
    h = engine->history(e, id, cancel);
  } catch (const RemoteError& err) {
    if (err.status() == 404 || err.code() == "invalid_id") return fail(g.json, err.what(), 1);
    throw;
  }
  if (g.json)
    print_json(h.to_json());
  else
    print_history(h);
  return 0;
}

int cmd_status(const GlobalOptions& g) {
  auto engine = open_engine(g, false);
  StatusReport s = engine->status();
  if (g.json)
    print_json(s.to_json());
  else
    print_status(s);
  return 0;
}

int cmd_conflicts_list(const GlobalOptions& g, bool all) {
  auto engine = open_engine(g, false);
  auto list = engine->conflicts(all);
  if (g.json) {
    json out = json::array();
    for (const auto& c : list) out.push_back(to_json(c));
    print_json(out);
  } else {
    print_conflicts(list);
  }
  return 0;
}

int cmd_conflicts_resolve(const GlobalOptions& g, long long id, const std::string& keep,
                          const std::vector<std::string>& fields) {
  auto engine = open_engine(g, false);
  Resolution r;
  if (!keep.empty() && !fields.empty()) throw UserError("give either --keep or --field, not both");
  if (keep.empty() && fields.empty())
    throw UserError("give --keep local|remote or --field name=local|remote");
  auto side = [](const std::string& s) {
    if (s == "local") return Side::local;
    if (s == "remote") return Side::remote;
    throw UserError("a side is local or remote, not '" + s + "'");
  };
  if (!keep.empty()) r.keep = side(keep);
  for (const auto& f : fields) {
    auto eq = f.find('=');
    if (eq == std::string::npos)
      throw UserError("expected --field name=local|remote, got '" + f + "'");
    r.fields[f.substr(0, eq)] = side(f.substr(eq + 1));
  }
  engine->resolve(id, r);
  if (g.json)
    print_json({{"resolved", true}, {"id", id}});
  else
    std::printf("conflict %lld resolved; the result is pushed at the next sync\n", id);
  return 0;
}

int cmd_test_connection(const GlobalOptions& g) {
  auto engine = open_engine(g, true);
  CancelToken cancel;
  ConnectionReport r = engine->test_connection(cancel);
  if (g.json)
    print_json(r.to_json());
  else
    print_connection(r, engine->remote().url);
  bool ok = r.ok();
  if (!ok) std::fprintf(stderr, "craftsync: connection test failed: %s\n", r.error.c_str());
  return ok ? 0 : 2;
}

namespace {

void install_stop_signals(CancelToken& cancel) {
  g_cancel = &cancel;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void print_run(const GlobalOptions& g, const SyncReport& r) {
  if (g.json)
    print_json_line(r.to_json());  // a stream: one report per line
  else
    print_report(r);
  std::fflush(stdout);
}

/// Sleeps until `until`, a stop signal, or `cancel` (a local write): whichever comes first.
void wait_until(std::chrono::steady_clock::time_point until, const CancelToken& cancel) {
  while (!g_stop && !cancel.is_cancelled() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

double interval_minutes(SyncEngine& engine, double interval_override) {
  return interval_override > 0 ? interval_override : engine.settings().sync_interval_minutes;
}

}  // namespace

int cmd_watch_live(const GlobalOptions& g, double interval_override) {
  auto engine = open_engine(g, true);
  try {
    if (!engine->server_holds_pulls()) {
      std::fprintf(stderr,
                   "craftsync: this server does not offer live sync (it is older); watching at "
                   "the interval instead\n");
      engine.reset();
      return cmd_watch(g, interval_override);
    }
  } catch (const RemoteError&) {
    // Offline now: the loop below says so and syncs at the interval until the server is back.
  }
  CancelToken stop, woken;  // stop: a signal; woken: a local write or a signal ends a held pull
  install_stop_signals(stop);
  g_cancel_hold = &woken;
  LocalWriteWatch local(engine->db_path(), [&woken] { woken.cancel(); });
  bool offline = false;
  while (!g_stop) {
    woken.reset();
    SyncOptions o;
    o.trigger = "watch";
    SyncReport r = engine->sync(o, nullptr, stop);
    if (r.cancelled) break;
    if (r.ok && (r.pulled || r.pushed || r.conflicts || r.rejected || r.resynced || offline))
      print_run(g, r);  // a quiet round (nothing moved) prints nothing
    std::string why = r.ok ? "" : r.error;
    if (r.ok) {
      try {
        if (offline) std::fprintf(stderr, "craftsync: the server is back; live sync again\n");
        offline = false;
        engine->wait_for_remote_change(kLiveHoldSeconds, woken);
        continue;
      } catch (const Cancelled&) {
        continue;  // a local write to push, or a stop signal
      } catch (const RemoteError& e) {
        why = e.what();
      }
    }
    double minutes = interval_minutes(*engine, interval_override);
    if (!offline)
      std::fprintf(stderr,
                   "craftsync: live sync is paused, the server is offline or refused (%s); "
                   "syncing every %g minute(s) until it is back\n",
                   why.c_str(), minutes);
    offline = true;
    wait_until(std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(static_cast<long>(minutes * 60000)),
               woken);
  }
  g_cancel = g_cancel_hold = nullptr;
  if (!g.json) std::printf("watch stopped\n");
  return 0;
}

int cmd_watch(const GlobalOptions& g, double interval_override) {
  auto engine = open_engine(g, true);
  CancelToken cancel;
  install_stop_signals(cancel);
  while (!g_stop) {
    SyncOptions o;
    o.trigger = "watch";
    SyncReport r = engine->sync(o, nullptr, cancel);
    print_run(g, r);
    if (!r.ok && !r.cancelled)
      std::fprintf(stderr, "craftsync: sync failed: %s\n", r.error.c_str());
    double minutes = interval_minutes(*engine, interval_override);
    wait_until(std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(static_cast<long>(minutes * 60000)),
               cancel);
  }
  g_cancel = nullptr;
  if (!g.json) std::printf("watch stopped\n");
  return 0;
}

int cmd_settings_get(const GlobalOptions& g, const std::string& key) {
  auto engine = open_engine(g, false);
  Settings s = engine->settings();
  if (key.empty()) {
    json j = settings_json(s);
    if (g.json)
      print_json(j);
    else
      for (const auto& k : setting_keys())
        std::printf("%s=%s\n", k.c_str(), setting_value(s, k).c_str());
    return 0;
  }
  std::string v = setting_value(s, key);
  if (g.json)
    print_json(settings_json(s)[key]);
  else
    std::printf("%s\n", v.c_str());
  return 0;
}

int cmd_settings_set(const GlobalOptions& g, const std::string& key, const std::string& value) {
  auto engine = open_engine(g, false);
  engine->set_setting(key, value);
  std::string v = setting_value(engine->settings(), key);
  if (g.json)
    print_json({{key, settings_json(engine->settings())[key]}});
  else
    std::printf("%s=%s\n", key.c_str(), v.c_str());
  return 0;
}

}  // namespace craftsync::cli
