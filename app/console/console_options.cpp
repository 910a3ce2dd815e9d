#include "app/console/console_options.hpp"

#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "app/console/demo_state.hpp"
#include "app/remote_options.hpp"

namespace craftsync::console {
namespace {

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

/// An installed console finds its assets beside it (PREFIX/bin/.. /share/craftsync); one run
/// from the build tree uses the source tree's.
std::string installed_assets() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto shared = exe.parent_path().parent_path() / CRAFTSYNC_DATADIR_FROM_PREFIX;
    if (std::filesystem::exists(shared / "theme.json", ec)) return shared.string();
  }
  return CRAFTSYNC_ASSETS_DIR;
}

}  // namespace

std::optional<int> parse_console_options(int argc, char** argv, ConsoleOptions& o) {
  CLI::App app{"craftsync-console: watch, diagnose and resolve CraftSync synchronisation"};
  app.set_version_flag("--version", std::string("craftsync-console ") + CRAFTSYNC_VERSION);
  add_remote_options(app, o.db, o.remote);
  app.add_option("--screenshot", o.screenshot, "render, write this PNG file and exit");
  app.add_option("--frames", o.frames, "with --screenshot: render at least this many frames")
      ->check(CLI::Range(1, 100000));
  app.add_option(
      "--screenshot-timeout", o.screenshot_timeout_s,
      "with --screenshot: seconds to wait for the chosen state before writing anyway (exit 3)");
  std::string size;
  app.add_option("--size", size, "window size, e.g. 1280x800");
  app.add_option("--demo-state", o.demo_state,
                 "put the console in a state for a picture: " + demo_state_names())
      ->check([](const std::string& s) {
        return parse_demo_state(s) ? "" : "unknown state; use " + demo_state_names();
      });
  app.add_option("--demo-table", o.demo_table, "with --demo-state: the inspector's table")
      ->check(CLI::IsMember({"customers", "quotes", "orders"}));
  app.add_option("--demo-filter", o.demo_filter,
                 "with --demo-state: the inspector's sync-state filter")
      ->check(CLI::IsMember({"synced", "pending", "conflict", "rejected"}));
  app.add_flag("--no-launch-sync", o.no_launch_sync,
               "do not sync on launch even if the setting says so (live sync then waits for the "
               "first sync)");
  app.add_option("--assets", o.assets_dir,
                 "directory with theme.json (default: the installed assets)");
  app.footer(
      "Example: the key from $REMOTE_API_KEY, a .env file or the config file\n"
      "  craftsync-console --remote https://sync.example.com\n"
      "Started with no server, it opens the setup form.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!size.empty()) {
    int w = 0, h = 0;
    if (std::sscanf(size.c_str(), "%dx%d", &w, &h) != 2 || w < 320 || h < 240 || w > 8192 ||
        h > 8192) {
      std::fprintf(stderr, "craftsync-console: --size must look like 1280x800\n");
      return 2;
    }
    o.width = w;
    o.height = h;
  }
  if (o.assets_dir.empty())
    o.assets_dir =
        env_set("CRAFTSYNC_ASSETS") ? std::getenv("CRAFTSYNC_ASSETS") : installed_assets();
  return std::nullopt;
}

RemoteView describe_remote(const RemoteFlags& flags, const RemoteConfig& resolved,
                           const std::string& warning) {
  RemoteView v;
  v.url = resolved.url;
  v.api_key = resolved.api_key;
  v.warning = warning;
  v.source = remote_url_source(flags);
  return v;
}

}  // namespace craftsync::console
