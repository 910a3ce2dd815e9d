// craftsync: the headless CLI over the sync engine. See docs/cli.md.

#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/cli/cli_commands.hpp"
#include "app/remote_options.hpp"

using namespace craftsync::cli;

int main(int argc, char** argv) {
  CLI::App app{
      "craftsync: keep a local database of customers, quotes and orders in sync with a server"};
  app.set_version_flag("--version", CRAFTSYNC_VERSION);
  app.require_subcommand(1);
  GlobalOptions g;
  int retries = -1;
  craftsync::add_remote_options(app, g.db, g.remote);
  app.add_option("--retries", retries,
                 "attempts per request on network errors, 5xx and 429 (default 4)")
      ->check(CLI::Range(1, 20));
  app.add_flag("--json", g.json, "print JSON only on stdout");

  std::string entity, id, search, state, direction = "both", policy, keep, key, value;
  std::vector<std::string> assignments, fields;
  long long limit = 100, offset = 0, conflict_id = 0;
  bool all = false;
  double interval = 0;

  auto entity_opt = [&](CLI::App* c) {
    c->add_option("entity", entity, "customers, quotes or orders")->required();
  };
  auto* create = app.add_subcommand("create", "create a record offline; prints it as JSON");
  entity_opt(create);
  create->add_option("fields", assignments, "field=value ...");
  auto* update = app.add_subcommand("update", "change fields of a record; prints it");
  entity_opt(update);
  update->add_option("id", id, "record id")->required();
  update->add_option("fields", assignments, "field=value ... (an empty value clears the field)");
  auto* del = app.add_subcommand("delete", "delete a record");
  entity_opt(del);
  del->add_option("id", id, "record id")->required();
  auto* get = app.add_subcommand("get", "print one record as JSON");
  entity_opt(get);
  get->add_option("id", id, "record id")->required();
  auto* list = app.add_subcommand("list", "list records");
  entity_opt(list);
  list->add_option("--search", search, "substring of the main text fields");
  list->add_option("--state", state, "synced, pending, conflict or rejected")
      ->check(CLI::IsMember({"synced", "pending", "conflict", "rejected"}));
  list->add_option("--limit", limit, "at most this many")->check(CLI::Range(1LL, 10000000LL));
  list->add_option("--offset", offset, "skip this many")->check(CLI::Range(0LL, 1000000000LL));
  auto* sync = app.add_subcommand("sync", "push local changes and pull the server's");
  std::string sync_entity = "all";
  sync->add_option("--entity", sync_entity, "all, customers, quotes or orders")
      ->check(CLI::IsMember({"all", "customers", "quotes", "orders"}));
  sync->add_option("--direction", direction, "both, push or pull")
      ->check(CLI::IsMember({"both", "push", "pull"}));
  sync->add_option("--policy", policy, "conflict policy for this run: remote, local or manual")
      ->check(CLI::IsMember({"remote", "local", "manual"}));
  auto* status = app.add_subcommand("status", "last sync, pending changes, conflicts, statistics");
  auto* conflicts = app.add_subcommand("conflicts", "list or resolve conflicts");
  conflicts->require_subcommand(1);
  auto* clist = conflicts->add_subcommand("list", "open conflicts (--all: with resolved history)");
  clist->add_flag("--all", all, "include resolved conflicts");
  auto* cresolve = conflicts->add_subcommand("resolve", "resolve one conflict");
  cresolve->add_option("id", conflict_id, "conflict id")->required();
  cresolve->add_option("--keep", keep, "local or remote")
      ->check(CLI::IsMember({"local", "remote"}));
  cresolve->add_option("--field", fields, "name=local|remote, for each conflicting field");
  auto* test =
      app.add_subcommand("test-connection", "reachability, auth, version, round trip, clock skew");
  auto* watch =
      app.add_subcommand("watch", "sync at the configured interval until SIGINT or SIGTERM");
  watch->add_option("--interval-minutes", interval, "override syncIntervalMinutes for this run")
      ->check(CLI::Range(0.001, 1440.0));
  auto* settings = app.add_subcommand("settings", "get or set sync settings");
  settings->require_subcommand(1);
  auto* sget = settings->add_subcommand("get", "print one setting, or all");
  sget->add_option("key", key,
                   "autoSyncEnabled, syncIntervalMinutes, conflictResolution or syncOnLaunch");
  auto* sset = settings->add_subcommand("set", "validate and store a setting");
  sset->add_option("key", key, "setting name")->required();
  sset->add_option("value", value, "new value")->required();

  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->fallthrough();
  for (auto* sub : {clist, cresolve, sget, sset}) sub->fallthrough();

  CLI11_PARSE(app, argc, argv);
  if (retries > 0) g.remote.max_attempts = retries;
  try {
    if (*create) return cmd_create(g, entity, assignments);
    if (*update) return cmd_update(g, entity, id, assignments);
    if (*del) return cmd_delete(g, entity, id);
    if (*get) return cmd_get(g, entity, id);
    if (*list) return cmd_list(g, entity, search, state, limit, offset);
    if (*sync) return cmd_sync(g, sync_entity, direction, policy);
    if (*status) return cmd_status(g);
    if (*clist) return cmd_conflicts_list(g, all);
    if (*cresolve) return cmd_conflicts_resolve(g, conflict_id, keep, fields);
    if (*test) return cmd_test_connection(g);
    if (*watch) return cmd_watch(g, interval);
    if (*sget) return cmd_settings_get(g, key);
    if (*sset) return cmd_settings_set(g, key, value);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "craftsync: %s\n", e.what());
    return 1;
  }
  return 1;
}
