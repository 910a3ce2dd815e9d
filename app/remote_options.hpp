#pragma once
// The flags every client program takes to find its database and server, declared once so the
// CLI and the console cannot drift apart. Header-only; call while building the CLI11 app.

#include <string>

#include <CLI/CLI.hpp>

#include "core/client_config.hpp"

namespace craftsync {

inline void add_remote_options(CLI::App& app, std::string& db, RemoteFlags& remote) {
  app.add_option("--db", db, "local database (default: $CRAFTSYNC_DB or the XDG data dir)");
  app.add_option("--remote", remote.url,
                 "server URL (default: $REMOTE_API_URL or the config file)");
  app.add_option("--api-key", remote.api_key,
                 "API key (default: $REMOTE_API_KEY or the config file)");
  app.add_option("--ca-file", remote.ca_file, "extra CA certificate bundle for HTTPS")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure", remote.insecure,
               "do not verify the server's TLS certificate (prints a warning)");
}

}  // namespace craftsync
