// craftsync-server: the reference sync server. See docs/operations.md.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include "app/shell_completion.hpp"
#include "core/clock.hpp"
#include "server/api_routes.hpp"
#include "server/auth.hpp"
#include "server/demo_seed.hpp"
#include "server/http_core.hpp"
#include "server/pg_storage.hpp"
#include "server/startup_keys.hpp"
#include "server/storage.hpp"

namespace cs = craftsync::server;

namespace {

struct ServeOptions {
  std::string db;
  std::string listen = "127.0.0.1:8080";
  std::string api_key, api_key_file;
  std::vector<cs::StartupKey> startup_keys;
  std::int64_t seed_demo = 0;
  std::uint64_t seed = 42;
  std::size_t max_body = 8u << 20;
  int threads = 16;
  int io_threads = 0;
  std::size_t max_connections = 10000;
  int idle_timeout_s = 120, header_timeout_s = 10, body_timeout_s = 60;
  std::string tls_cert, tls_key;
  int tombstone_days = 30;
  int history_days = 90;
  int busy_timeout_ms = 5000;
  int key_cache_ms = 1000;
  bool quiet = false;
};

std::unique_ptr<cs::Storage> open_storage(const std::string& db, int pool, int busy_ms = 5000) {
  if (db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0)
    return cs::open_pg_storage(db, pool, busy_ms);
  return cs::open_sqlite_storage(db, pool, busy_ms);
}

std::pair<std::string, int> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    throw std::runtime_error("--listen wants HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) throw std::invalid_argument("port");
  } catch (...) {
    throw std::runtime_error("--listen port must be a number from 0 to 65535");
  }
  if (port < 0 || port > 65535)
    throw std::runtime_error("--listen port must be a number from 0 to 65535");
  return {host, port};
}

int serve(const ServeOptions& o) {
  // Signals go to one waiting thread, so that no handler runs inside the HTTP core or SQLite.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto [host, port] = split_listen(o.listen);
  auto storage = open_storage(o.db, o.threads, o.busy_timeout_ms);
  for (const auto& k : o.startup_keys)
    storage->add_key(cs::hash_api_key(k.key), cs::Role::admin, k.label);
  // Tombstones, then record history: a purged tombstone's revision is then no record's current
  // one, and goes with the rest of its history once that is older than the retention.
  auto purge_old = [&] {
    std::int64_t now = craftsync::unix_now_ms();
    if (o.tombstone_days > 0)
      storage->purge_tombstones(now - std::int64_t(o.tombstone_days) * 86400000);
    if (o.history_days > 0) storage->purge_history(now - std::int64_t(o.history_days) * 86400000);
  };
  purge_old();
  if (o.seed_demo > 0) {
    auto stats = cs::seed_demo(*storage, o.seed_demo, o.seed, [&](std::int64_t done) {
      if (!o.quiet)
        std::fprintf(stderr, "seeding demo data: %lld / %lld customers\n",
                     static_cast<long long>(done), static_cast<long long>(o.seed_demo));
    });
    if (stats.customers == 0)
      std::fprintf(stderr, "demo data: database already has customers, not seeding\n");
    else
      std::fprintf(stderr, "demo data: %lld customers, %lld quotes, %lld orders\n",
                   static_cast<long long>(stats.customers), static_cast<long long>(stats.quotes),
                   static_cast<long long>(stats.orders));
  }

  cs::Api api(*storage, {o.max_body, !o.quiet, std::chrono::milliseconds(o.key_cache_ms)});
  cs::HttpCoreConfig core;
  core.host = host;
  core.port = port;
  core.io_threads = o.io_threads;
  core.worker_threads = o.threads;
  core.max_connections = o.max_connections;
  core.idle_timeout = std::chrono::seconds(o.idle_timeout_s);
  core.header_timeout = std::chrono::seconds(o.header_timeout_s);
  core.body_timeout = std::chrono::seconds(o.body_timeout_s);
  core.tls_cert = o.tls_cert;
  core.tls_key = o.tls_key;
  bool tls = !o.tls_cert.empty();
  std::unique_ptr<cs::HttpCore> server;
  try {
    server = std::make_unique<cs::HttpCore>(api, core);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot load TLS certificate or key: ") + e.what());
  }
  int bound = server->bind();
  std::string ready_line = std::string("listening on ") + (tls ? "https" : "http") + "://" +
                           (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                           std::to_string(bound) + "\n";
  // The socket listens from here on: connections wait in the backlog until run() accepts them.
  std::fputs(ready_line.c_str(), stdout);
  std::fflush(stdout);

  std::atomic<bool> stopping{false};
  std::thread waiter([&] {
    timespec tick{0, 200 * 1000 * 1000};
    auto last_purge = std::chrono::steady_clock::now();
    while (!stopping) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        if (!o.quiet) std::fprintf(stderr, "signal %d: draining in-flight requests\n", sig);
        server->stop();
        return;
      }
      if (std::chrono::steady_clock::now() - last_purge > std::chrono::hours(1)) {
        last_purge = std::chrono::steady_clock::now();
        try {
          purge_old();
        } catch (const std::exception& e) {
          std::fprintf(stderr, "tombstone and history purge failed: %s\n", e.what());
        }
      }
    }
  });
  server->run();
  stopping = true;
  waiter.join();
  if (!o.quiet) std::fprintf(stderr, "stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"craftsync-server: the reference CraftSync sync server (protocol v1)"};
  app.set_version_flag("--version", std::string("craftsync-server ") + CRAFTSYNC_VERSION);
  ServeOptions o;
  app.add_option("--db", o.db, "SQLite file path, or postgres://user@host:port/dbname")
      ->envname("CRAFTSYNC_DB_URL");
  app.add_option("--listen", o.listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str()
      ->envname("CRAFTSYNC_LISTEN");
  app.add_option("--api-key-file", o.api_key_file,
                 "ensure the keys in this file (one per line) exist with the admin role")
      ->envname("CRAFTSYNC_API_KEY_FILE");
  app.add_option("--api-key", o.api_key,
                 "ensure this key exists with the admin role; other users can read it in the "
                 "process list, so prefer --api-key-file or $CRAFTSYNC_API_KEY");
  app.add_option("--seed-demo", o.seed_demo,
                 "seed N demo customers (with quotes and orders) into an empty database")
      ->check(CLI::Range(std::int64_t(0), std::int64_t(10'000'000)));
  app.add_option("--seed", o.seed, "random seed for --seed-demo")->capture_default_str();
  app.add_option("--max-body", o.max_body, "largest request body in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1024), std::size_t(1) << 30));
  app.add_option("--key-cache-ms", o.key_cache_ms,
                 "how long a found API key is trusted without asking the database again; a key "
                 "changed or deleted elsewhere takes this long to change here (0: ask every time)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  app.add_option("--threads", o.threads,
                 "worker threads that run requests (and database connections)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--io-threads", o.io_threads, "network threads (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  app.add_option("--max-connections", o.max_connections,
                 "open connections at most; beyond it a new one gets 503 and is closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--idle-timeout", o.idle_timeout_s,
                 "seconds a keep-alive connection may wait between requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--header-timeout", o.header_timeout_s,
                 "seconds from a request's first byte to the end of its headers")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--body-timeout", o.body_timeout_s,
                 "seconds to receive a request's body (and to send the answer)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--tls-cert", o.tls_cert, "serve HTTPS with this PEM certificate")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", o.tls_key, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  app.add_option("--tombstone-retention-days", o.tombstone_days,
                 "drop tombstones older than this many days (0 keeps them forever)")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  app.add_option("--history-retention-days", o.history_days,
                 "drop record revisions older than this many days, except each record's current "
                 "one (0 keeps them forever)")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  app.add_option("--busy-timeout-ms", o.busy_timeout_ms,
                 "how long a write waits for the database lock before answering retry/503")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_flag("--quiet", o.quiet, "no request log");

  auto* keys = app.add_subcommand("keys", "manage API keys");
  keys->fallthrough();
  keys->require_subcommand(1);
  auto* keys_add = keys->add_subcommand("add", "create a key and print it once");
  keys_add->fallthrough();
  std::string role = "sync", label;
  keys_add->add_option("--role", role, "read, sync or admin")
      ->check(CLI::IsMember({"read", "sync", "admin"}))
      ->capture_default_str();
  keys_add->add_option("--label", label, "a note saying whose key this is");
  auto* keys_list = keys->add_subcommand("list", "list keys (never the keys themselves)");
  keys_list->fallthrough();
  auto* purge =
      app.add_subcommand("purge-tombstones",
                         "drop old tombstones now, and record revisions as old (but no record's "
                         "current one)");
  purge->fallthrough();
  double older_days = 30;
  purge->add_option("--older-than-days", older_days, "age in days (0 drops all)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 36500.0));

  auto* restored = app.add_subcommand(
      "after-restore",
      "run once on a database restored from a backup, before serving it: every client "
      "re-snapshots (keeping its outbox) and no rev is ever issued twice");
  restored->fallthrough();
  std::int64_t rev_gap = 1'000'000'000;
  restored->add_option("--rev-gap", rev_gap, "how far to move the rev counter past its head")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(1), std::int64_t(1'000'000'000'000)));

  std::string shell;
  auto* completion = craftsync::add_completion_command(app, "craftsync-server", shell);
  app.footer(
      "Example: serve a SQLite file, with the key in a file only this user can read\n"
      "  (umask 077; craftsync-server keys add --role admin --db /var/lib/craftsync/server.db "
      "> key)\n"
      "  craftsync-server --db /var/lib/craftsync/server.db --api-key-file key "
      "--listen 0.0.0.0:8080\n"
      "--db may also come from $CRAFTSYNC_DB_URL, and a key from $CRAFTSYNC_API_KEY.");
  keys->footer("Example:\n  craftsync-server keys list --db /var/lib/craftsync/server.db");
  keys_add->footer(
      "Example:\n  craftsync-server keys add --role sync --label 'field team' --db server.db");
  keys_list->footer("Example:\n  craftsync-server keys list --db server.db");
  purge->footer("Example:\n  craftsync-server purge-tombstones --older-than-days 7 --db server.db");
  restored->footer("Example:\n  craftsync-server after-restore --db postgres://craftsync@db/sync");

  CLI11_PARSE(app, argc, argv);
  if (*completion) return craftsync::print_completion(app, "craftsync-server", shell);
  try {
    if (o.db.empty())
      throw std::runtime_error(
          "no database: give --db or set $CRAFTSYNC_DB_URL (a SQLite file path or a "
          "postgres:// URL)");
    if (o.tls_cert.empty() != o.tls_key.empty())
      throw std::runtime_error("--tls-cert and --tls-key go together");
    const char* env_key = std::getenv("CRAFTSYNC_API_KEY");
    o.startup_keys = cs::collect_startup_keys(o.api_key_file, env_key ? env_key : "", o.api_key);
    if (!o.api_key.empty())
      std::fprintf(stderr,
                   "craftsync-server: warning: --api-key shows the key to every user of this "
                   "machine (/proc/PID/cmdline); use --api-key-file or $CRAFTSYNC_API_KEY\n");
    if (*keys_add) {
      auto storage = open_storage(o.db, 1);
      std::string key = cs::generate_api_key();
      storage->add_key(cs::hash_api_key(key), *cs::parse_role(role), label);
      std::printf("%s\n", key.c_str());
      std::fprintf(stderr, "new %s key created; it is shown only this once\n", role.c_str());
      return 0;
    }
    if (*keys_list) {
      auto storage = open_storage(o.db, 1);
      for (const auto& k : storage->list_keys())
        std::printf("%lld\t%s\t%s\t%s\n", static_cast<long long>(k.id),
                    std::string(cs::role_name(k.role)).c_str(), k.created_at.c_str(),
                    k.label.c_str());
      return 0;
    }
    if (*purge) {
      auto storage = open_storage(o.db, 1);
      auto cutoff = craftsync::unix_now_ms() - static_cast<std::int64_t>(older_days * 86400000.0);
      long long tombstones = storage->purge_tombstones(cutoff);
      long long revisions = storage->purge_history(cutoff);
      std::printf("dropped %lld tombstones and %lld old revisions\n", tombstones, revisions);
      return 0;
    }
    if (*restored) {
      auto storage = open_storage(o.db, 1);
      cs::RestoreMark mark = storage->mark_restored(rev_gap);
      std::printf(
          "restored database had head %lld; revs now continue from %lld, and every "
          "client re-snapshots at its next sync\n",
          static_cast<long long>(mark.restored_head), static_cast<long long>(mark.horizon));
      return 0;
    }
    return serve(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "craftsync-server: %s\n", e.what());
    return 1;
  }
}
