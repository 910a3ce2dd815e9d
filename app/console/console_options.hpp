#pragma once
// craftsync-console's command line, and where its server settings came from. The URL and key
// are found exactly as the CLI finds them: flags, then REMOTE_API_URL / REMOTE_API_KEY, then
// the 0600 config file under the XDG config dir.
//
// Threading: the main thread, before the worker starts.

#include <optional>
#include <string>

#include "core/client_config.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

struct ConsoleOptions {
  std::string db;  // default: default_db_path()
  RemoteFlags remote;
  std::string screenshot;  // write a PNG and exit
  int frames = 3;          // with --screenshot: at least this many frames first
  double screenshot_timeout_s = 120;
  int width = 0, height = 0;  // 0: the saved size, or 1280 x 800
  std::string demo_state;     // see demo_state.hpp
  std::string demo_table;     // the inspector's table for the picture: customers|quotes|orders
  std::string demo_filter;    // the inspector's sync-state filter: synced|pending|conflict|rejected
  bool no_launch_sync = false;
  std::string assets_dir;  // default: $CRAFTSYNC_ASSETS or the source tree's assets/
};

/// Parses the command line. Returns an exit code when the program should stop now (--help,
/// a bad flag), else nullopt.
std::optional<int> parse_console_options(int argc, char** argv, ConsoleOptions& out);

/// The resolved remote plus where it came from, for the settings panel.
RemoteView describe_remote(const RemoteFlags& flags, const RemoteConfig& resolved,
                           const std::string& warning);

}  // namespace craftsync::console
