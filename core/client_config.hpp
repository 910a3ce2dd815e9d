#pragma once
// Where the client finds its server and key, first match wins (docs/cli.md, "Configuration"):
//   1. command-line flags (--remote, --api-key);
//   2. the environment (REMOTE_API_URL, REMOTE_API_KEY);
//   3. a `.env` file in the working directory, then $XDG_CONFIG_HOME/craftsync/.env, with the
//      same two names (a .env that group or others may read is ignored, with a warning);
//   4. the 0600 config file $XDG_CONFIG_HOME/craftsync/config.json.
// The key is never written to SQLite. Thread-safe (reads the environment and files only).

#include <optional>
#include <string>
#include <vector>

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

/// The `.env` files read, in order: ./.env, then config_dir()/.env.
std::vector<std::string> dotenv_paths();

/// Combines flags, environment, .env files and config file into the remote configuration.
/// Every reason a source was ignored goes into `warning`, joined by "; ".
RemoteConfig resolve_remote(const RemoteFlags& flags, std::string* warning = nullptr);

/// Where resolve_remote found the URL: "command line", "environment", ".env file (PATH)",
/// "config file", or "" when nowhere.
std::string remote_url_source(const RemoteFlags& flags);

}  // namespace craftsync
