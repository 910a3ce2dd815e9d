#pragma once
// Sync settings, validated, stored in the local database's settings table.
// Not shared between threads: read and written on the engine thread.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/merge.hpp"

namespace craftsync {

class SqliteConn;

struct Settings {
  bool auto_sync_enabled = true;
  int sync_interval_minutes = 30;  // 5..1440
  ConflictPolicy conflict_resolution = ConflictPolicy::remote;
  bool sync_on_launch = true;
  bool live_sync = true;  // the console keeps a held pull open when the server offers it
};

/// The keys as users type them: autoSyncEnabled, syncIntervalMinutes, conflictResolution,
/// syncOnLaunch, liveSync.
const std::vector<std::string>& setting_keys();

Settings load_settings(SqliteConn& db);
/// Validates and stores one setting; throws UserError with a one-line reason.
void save_setting(SqliteConn& db, const std::string& key, const std::string& value);
/// The value of one key as text, or throws UserError for an unknown key.
std::string setting_value(const Settings& s, const std::string& key);
nlohmann::json settings_json(const Settings& s);

}  // namespace craftsync
