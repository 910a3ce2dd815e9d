// craftsync: the headless CLI over the sync engine. See docs/cli.md.

#include <cstdio>
#include <cstring>

#include <CLI/CLI.hpp>

#include "app/cli/cli_commands.hpp"
#include "app/cli/cli_output.hpp"
#include "app/remote_options.hpp"
#include "app/shell_completion.hpp"

using namespace craftsync::cli;

namespace {

// Exit codes (docs/cli.md): 1 for a bad command or a refused edit, 2 when a sync, a
// connection test or a verify could not complete; verify exits 3 when it found differences.
constexpr int kBadCommand = 1, kCouldNotSync = 2;

/// SQLite's words for a database it cannot write, said in terms of the user's file.
std::string explain(const std::string& what, const std::string& db) {
  if (what.find(db) != std::string::npos) return what;
  if (what.find("readonly database") != std::string::npos)
    return "cannot write the local database " + db + " (it is read-only for this user): " + what;
  if (what.find("disk is full") != std::string::npos ||
      what.find("disk I/O error") != std::string::npos)
    return "cannot write the local database " + db + " (is the disk full?): " + what;
  return what;
}

bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--json") == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "craftsync: keep a local database of customers, quotes and orders in sync with a server"};
  app.set_version_flag("--version", std::string("craftsync ") + CRAFTSYNC_VERSION);
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

  // Listing the names lets completion offer them; the message keeps the engine's words.
  CLI::Validator entity_names(
      [](std::string& s) {
        return s == "customers" || s == "quotes" || s == "orders"
                   ? std::string()
                   : "unknown entity '" + s + "' (customers, quotes or orders)";
      },
      "{customers,quotes,orders}");
  auto entity_opt = [&](CLI::App* c) {
    c->add_option("entity", entity, "customers, quotes or orders")->required()->check(entity_names);
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
  bool live = false;
  watch->add_flag("--live", live,
                  "keep a held pull open and sync the moment the server or this database "
                  "changes; interval sync while the server is offline");
  auto* verify = app.add_subcommand(
      "verify", "prove that this database holds what the server holds (exit 3 when it differs)");
  std::string verify_entity = "all";
  bool repair = false;
  verify->add_option("--entity", verify_entity, "all, customers, quotes or orders")
      ->check(CLI::IsMember({"all", "customers", "quotes", "orders"}));
  verify->add_flag("--repair", repair,
                   "fetch again the records that differ and have no pending changes, then "
                   "verify again");
  auto* history = app.add_subcommand(
      "history", "every revision the server keeps of a record: when, by whom, what changed");
  entity_opt(history);
  history->add_option("id", id, "record id")->required();
  auto* settings = app.add_subcommand("settings", "get or set sync settings");
  settings->require_subcommand(1);
  auto* sget = settings->add_subcommand("get", "print one setting, or all");
  sget->add_option(
      "key", key,
      "autoSyncEnabled, syncIntervalMinutes, conflictResolution, syncOnLaunch or liveSync");
  auto* sset = settings->add_subcommand("set", "validate and store a setting");
  sset->add_option("key", key, "setting name")->required();
  sset->add_option("value", value, "new value")->required();

  std::string shell;
  auto* completion = craftsync::add_completion_command(app, "craftsync", shell);
  // Every help screen ends with a worked example (docs/cli.md has more).
  app.footer(
      "Example, against a server on this machine (the packaged one listens on port 8080):\n"
      "  export REMOTE_API_URL=http://127.0.0.1:8080 REMOTE_API_KEY=csk_...\n"
      "  craftsync sync && craftsync list customers --search Taylor\n"
      "The server and key may also come from a .env file (see man craftsync).");
  auto example = [](CLI::App* c, const std::string& text) { c->footer("Example:\n  " + text); };
  example(create, "craftsync create customers name='Nora Taylor' email=nora@example.com");
  example(update, "craftsync update customers 6f1c...-...-... phone='+47 555 0101' email=");
  example(del, "craftsync delete orders 6f1c...-...-...");
  example(get, "craftsync get customers 6f1c...-...-...");
  example(list, "craftsync list quotes --state pending --limit 20");
  example(sync, "craftsync sync --direction push --policy manual");
  example(status, "craftsync status --json | jq .pending");
  example(conflicts, "craftsync conflicts list --all");
  example(clist, "craftsync conflicts list");
  example(cresolve, "craftsync conflicts resolve 12 --field phone=local --field email=remote");
  example(test, "craftsync --remote https://sync.example.com test-connection");
  example(watch, "craftsync watch --live");
  example(verify, "craftsync verify --entity customers --repair");
  example(history, "craftsync history customers 6f1c...-...-...");
  example(settings, "craftsync settings set syncIntervalMinutes 15");
  example(sget, "craftsync settings get conflictResolution");
  example(sset, "craftsync settings set autoSyncEnabled false");

  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->fallthrough();
  for (auto* sub : {clist, cresolve, sget, sset}) sub->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = "bad command line";
    return fail(wants_json(argc, argv), what + " (run with --help)", kBadCommand);
  }
  if (*completion) return craftsync::print_completion(app, "craftsync", shell);
  if (retries > 0) g.remote.max_attempts = retries;
  bool talks_to_server = *sync || *test || *watch || *verify || *history;
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
    if (*verify) return cmd_verify(g, verify_entity, repair);
    if (*history) return cmd_history(g, entity, id);
    if (*watch) return live ? cmd_watch_live(g, interval) : cmd_watch(g, interval);
    if (*sget) return cmd_settings_get(g, key);
    if (*sset) return cmd_settings_set(g, key, value);
  } catch (const std::exception& e) {
    return fail(g.json, explain(e.what(), g.db.empty() ? craftsync::default_db_path() : g.db),
                talks_to_server ? kCouldNotSync : kBadCommand);
  }
  return fail(g.json, "no command given (run with --help)", kBadCommand);
}
