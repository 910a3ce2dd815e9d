#include "core/live_probe.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "core/pull.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {

bool wait_for_remote_change(SqliteConn& db, HttpClient& http, int seconds, CancelToken& cancel) {
  std::string cursor = pull_cursor(db);
  http.set_cancel(&cancel);
  struct Detach {
    HttpClient& c;
    ~Detach() { c.set_cancel(nullptr); }
  } detach{http};
  try {
    HttpResponse r =
        http.get("/api/v1/changes?after=" + cursor + "&limit=1&wait=" + std::to_string(seconds));
    auto page = nlohmann::json::parse(r.body, nullptr, false);
    if (!page.is_object() || !page.contains("changes") || !page["changes"].is_array())
      throw RemoteError("the server's answer to a held pull is not a page of changes", r.status,
                        "bad_response");
    return !page["changes"].empty();
  } catch (const RemoteError& e) {
    if (e.code() == "resync_required") return true;  // the sync that follows re-snapshots
    throw;
  }
}

bool server_holds_pulls(HttpClient& http) {
  auto health = nlohmann::json::parse(http.get("/api/v1/health", false).body, nullptr, false);
  return health.is_object() && health.value("held_pulls", false);
}

LiveProbe::LiveProbe(std::string db_path, RemoteConfig remote, std::string device_id, Events events)
    : db_path_(std::move(db_path)),
      remote_(std::move(remote)),
      device_id_(std::move(device_id)),
      events_(std::move(events)),
      thread_([this] { loop(); }) {}

LiveProbe::~LiveProbe() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cancel_.cancel();
  cv_.notify_all();
  thread_.join();
}

void LiveProbe::synced() {
  {
    std::lock_guard lock(mu_);
    synced_ = true;
  }
  cv_.notify_all();
}

bool LiveProbe::pause(std::chrono::milliseconds most, bool until_synced) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, most, [&] { return stop_ || (until_synced && synced_); });
  synced_ = false;
  return !stop_;
}

void LiveProbe::loop() {
  std::optional<bool> connected;  // as last reported
  auto report = [&](bool now, const std::string& why) {
    if (connected != now && events_.link) events_.link(now, why);
    connected = now;
  };
  RemoteConfig config = remote_;
  config.max_attempts = 1;  // the probe's own pause is its retry
  while (true) {
    try {
      SqliteConn db(db_path_, 1000);
      HttpClient http(config, device_id_);
      if (!server_holds_pulls(http)) {
        report(false, "this server does not offer live sync (it is older); syncing on the timer");
        return;
      }
      while (true) {
        bool changed = wait_for_remote_change(db, http, kLiveHoldSeconds, cancel_);
        report(true, "");
        if (changed) {
          if (events_.change) events_.change();
          // Until the worker's sync has moved the cursor; a sync that never comes (the
          // worker is busy) is asked for again after a while.
          if (!pause(std::chrono::seconds(10), true)) return;
        }
      }
    } catch (const Cancelled&) {
      return;
    } catch (const std::exception& e) {
      report(false, e.what());
      if (!pause(std::chrono::seconds(5), false)) return;
    }
  }
}

}  // namespace craftsync
