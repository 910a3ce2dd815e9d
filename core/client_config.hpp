#pragma once
// Where the client finds its server and key: command-line flags, then the environment
// (REMOTE_API_URL, REMOTE_API_KEY), then a 0600 config file under the XDG config dir. The key
// is never written to SQLite. Thread-safe (no shared state).

#include <optional>
#include <string>

#include "core/http_client.hpp"

namespace craftsync {

struct ConfigFile {
  std::string remote_url;
  std::string api_key;
  std::string ca_file;
};

/// $XDG_CONFIG_HOME/craftsync (or ~/.config/craftsync).
std::string config_dir();
std::string config_file_path();
/// $CRAFTSYNC_DB, else $XDG_DATA_HOME/craftsync/craftsync.db (or ~/.local/share/...).
std::string default_db_path();

/// Reads the config file if present. A key in a file readable by group or others is ignored,
/// with a warning in `warning`.
ConfigFile read_config_file(std::string* warning = nullptr);
/// Writes the file atomically with mode 0600, creating the directory (0700).
void write_config_file(const ConfigFile& c);

struct RemoteFlags {
  std::string url, api_key, ca_file;
  bool insecure = false;
  std::optional<int> max_attempts;
};

/// Combines flags, environment and file into the remote configuration.
RemoteConfig resolve_remote(const RemoteFlags& flags, std::string* warning = nullptr);

}  // namespace craftsync
