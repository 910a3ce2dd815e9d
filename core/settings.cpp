#include "core/settings.hpp"

#include <charconv>

#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v == "on" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "off" || v == "no") return false;
  throw UserError(key + " must be true or false, not '" + v + "'");
}

int parse_interval(const std::string& v) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 5 || n > 1440)
    throw UserError("syncIntervalMinutes must be a whole number from 5 to 1440, not '" + v + "'");
  return n;
}

void apply(Settings& s, const std::string& key, const std::string& value) {
  if (key == "autoSyncEnabled")
    s.auto_sync_enabled = parse_bool(key, value);
  else if (key == "syncIntervalMinutes")
    s.sync_interval_minutes = parse_interval(value);
  else if (key == "conflictResolution") {
    auto p = parse_policy(value);
    if (!p)
      throw UserError("conflictResolution must be local, remote or manual, not '" + value + "'");
    s.conflict_resolution = *p;
  } else if (key == "syncOnLaunch")
    s.sync_on_launch = parse_bool(key, value);
  else if (key == "liveSync")
    s.live_sync = parse_bool(key, value);
  else
    throw UserError(
        "unknown setting '" + key +
        "' (known: autoSyncEnabled, syncIntervalMinutes, conflictResolution, syncOnLaunch, "
        "liveSync)");
}

}  // namespace

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = {"autoSyncEnabled", "syncIntervalMinutes",
                                                "conflictResolution", "syncOnLaunch", "liveSync"};
  return keys;
}

Settings load_settings(SqliteConn& db) {
  Settings s;
  auto st = db.prepare("SELECT key, value FROM settings");
  while (st.step()) {
    try {
      apply(s, st.text_at(0), st.text_at(1));
    } catch (const UserError&) {
      // A value edited into the file by hand that no longer validates keeps its default.
    }
  }
  return s;
}

void save_setting(SqliteConn& db, const std::string& key, const std::string& value) {
  Settings probe;
  apply(probe, key, value);
  auto st = db.prepare(
      "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = "
      "excluded.value");
  st.bind(1, std::string_view(key)).bind(2, setting_value(probe, key));
  st.run();
}

std::string setting_value(const Settings& s, const std::string& key) {
  if (key == "autoSyncEnabled") return s.auto_sync_enabled ? "true" : "false";
  if (key == "syncIntervalMinutes") return std::to_string(s.sync_interval_minutes);
  if (key == "conflictResolution") return std::string(policy_name(s.conflict_resolution));
  if (key == "syncOnLaunch") return s.sync_on_launch ? "true" : "false";
  if (key == "liveSync") return s.live_sync ? "true" : "false";
  throw UserError(
      "unknown setting '" + key +
      "' (known: autoSyncEnabled, syncIntervalMinutes, conflictResolution, syncOnLaunch, "
      "liveSync)");
}

nlohmann::json settings_json(const Settings& s) {
  return {{"autoSyncEnabled", s.auto_sync_enabled},
          {"syncIntervalMinutes", s.sync_interval_minutes},
          {"conflictResolution", policy_name(s.conflict_resolution)},
          {"syncOnLaunch", s.sync_on_launch},
          {"liveSync", s.live_sync}};
}

}  // namespace craftsync
