#include "tests/support/model_sim.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/sqlite_db.hpp"
#include "tests/support/convergence.hpp"
#include "tests/support/http.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_client.hpp"

namespace craftsync::test {
namespace {

using nlohmann::json;

struct SimClient {
  int number = 0;
  std::unique_ptr<TestClient> client;
  std::string backup;             // a copy of its database file, once it has taken one
  std::set<std::string> held;     // values it held back for the server when a sync began
  std::set<std::string> history;  // values its conflict history has held
};

class Simulation {
 public:
  explicit Simulation(const ModelOptions& o) : o_(o), rng_(o.seed) {
    if (o_.faults || o_.kill_clients)
      proxy_ = std::make_unique<FaultProxy>(o_.server_port, o_.seed);
    client_url_ = proxy_ ? proxy_->url() : o_.server_url;
  }

  ModelResult run() {
    try {
      for (int i = 0; i < o_.clients; ++i) add_client();
      seed_hot_set();
      if (proxy_ && o_.faults) proxy_->set_rates({0.03, 0.10, 0.03, 0.05});
      for (int step = 0; step < o_.steps; ++step) random_step(step);
      if (proxy_) proxy_->set_rates({});
      settle();
      check();
    } catch (const std::exception& e) {
      problem(std::string("the run stopped: ") + e.what());
    }
    if (proxy_) r_.faults = proxy_->counts();
    r_.converged = r_.problems.empty();
    if (!r_.converged && !o_.keep_dir.empty()) keep_databases();
    return std::move(r_);
  }

 private:
  // --- randomness ---
  int pick(int n) { return n <= 1 ? 0 : static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::string marker(const char* kind) {
    std::string m =
        std::string(kind) + "-" + std::to_string(o_.seed) + "-" + std::to_string(++marks_);
    markers_.insert(m);
    return m;
  }
  std::string amount_marker() {
    std::string m = std::to_string(100000 + ++marks_) + ".00";
    markers_.insert(m);
    return m;
  }

  void log(const std::string& line) { r_.log.push_back(line); }
  void problem(const std::string& p) { r_.problems.push_back(p); }

  // --- clients ---
  SimClient& add_client(const std::string& copy_of = "") {
    auto c = std::make_unique<SimClient>();
    c->number = static_cast<int>(clients_.size());
    c->client = std::make_unique<TestClient>(client_url_, o_.api_key, copy_of);
    clients_.push_back(std::move(c));
    return *clients_.back();
  }

  std::vector<json> rows(SimClient& c, Entity e) {
    ListQuery q;
    q.limit = 100000;
    return c.client->records().list(e, q);
  }

  std::string random_id(SimClient& c, Entity e) {
    auto all = rows(c, e);
    if (all.empty()) return "";
    // Most operations land on the first records (the hot set all clients share).
    int hot = std::min<int>(static_cast<int>(all.size()), o_.hot_customers);
    const json& row = chance(0.8) ? all[pick(hot)] : all[pick(static_cast<int>(all.size()))];
    return row["id"];
  }

  void seed_hot_set() {
    SimClient& first = *clients_.front();
    for (int i = 0; i < o_.hot_customers; ++i) {
      std::string c = first.client->records().create(
          Entity::customers, {{"name", marker("name")}, {"phone", marker("phone")}})["id"];
      first.client->records().create(
          Entity::quotes,
          {{"customer_id", c}, {"total_amount", amount_marker()}, {"status", "draft"}});
    }
    for (auto& c : clients_) sync(*c, SyncOptions{}, false);
    note_server_state();
    log("seeded " + std::to_string(o_.hot_customers) + " customers with a quote each");
  }

  // --- the oracle: what the server held, and what each client kept in history ---
  void collect_strings(const json& j, std::set<std::string>& into) {
    if (j.is_string()) {
      if (markers_.count(j.get<std::string>())) into.insert(j.get<std::string>());
    } else if (j.is_object() || j.is_array()) {
      for (const auto& v : j) collect_strings(v, into);
    }
  }

  void note_server_state() {
    for (Entity e : kEntitiesInFkOrder) {
      server_now_[static_cast<int>(e)] = server_rows(o_.server_url, o_.api_key, e, true);
      for (const auto& [id, row] : server_now_[static_cast<int>(e)])
        collect_strings(row, seen_on_server_);
    }
  }

  /// Right after a sync: a record the client calls synced at rev R must be exactly the server's
  /// row when the server is still at R. Catches a divergence at the step that made it.
  void check_synced_rows(SimClient& c, const std::string& who) {
    for (Entity e : kEntitiesInFkOrder) {
      const Rows& server = server_now_[static_cast<int>(e)];
      auto st = c.client->engine().db().prepare(
          "SELECT entity_id, remote_version FROM sync_records WHERE entity_type = ?1 AND "
          "state = 'synced' AND remote_version IS NOT NULL");
      st.bind(1, entity_name(e));
      while (st.step()) {
        std::string id = st.text_at(0);
        auto it = server.find(id);
        if (it == server.end() || it->second.value("rev", std::int64_t(-1)) != st.int_at(1))
          continue;
        json expected = it->second;
        expected.erase("rev");
        auto local = c.client->records().read_row(e, id);
        if (!local || *local != expected)
          problem(who + "synced " + std::string(entity_name(e)) + " " + id + " at rev " +
                  std::to_string(st.int_at(1)) + " differs from the server: local " +
                  (local ? local->dump() : "missing") + " server " + expected.dump());
      }
    }
  }

  void note_held_values(SimClient& c) {
    for (Entity e : kEntitiesInFkOrder)
      for (const auto& row : rows(c, e)) {
        auto info = c.client->records().sync_info(e, row["id"].get<std::string>());
        if (info && info->state != "synced") collect_strings(row, c.held);
      }
  }

  void note_history(SimClient& c) {
    auto st = c.client->engine().db().prepare("SELECT base, local, remote FROM sync_conflicts");
    while (st.step())
      for (int i = 0; i < 3; ++i)
        if (!st.is_null(i)) collect_strings(json::parse(st.view_at(i)), c.history);
  }

  // --- operations ---
  void random_step(int step) {
    SimClient& c = *clients_[pick(static_cast<int>(clients_.size()))];
    std::string who = "step " + std::to_string(step) + " client " + std::to_string(c.number) + ": ";
    double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    try {
      ++r_.ops;
      if ((roll -= 0.22) < 0) return log(who + update_customer(c));
      if ((roll -= 0.07) < 0) return log(who + create_customer(c));
      if ((roll -= 0.06) < 0) return log(who + remove(c, Entity::customers));
      if ((roll -= 0.09) < 0) return log(who + create_quote(c));
      if ((roll -= 0.09) < 0) return log(who + update_quote(c));
      if ((roll -= 0.05) < 0) return log(who + remove(c, Entity::quotes));
      if ((roll -= 0.05) < 0) return log(who + create_order(c));
      if ((roll -= 0.03) < 0) return log(who + remove(c, Entity::orders));
      if (o_.admin_edits && (roll -= 0.03) < 0) return log(who + admin_edit(c));
      if (o_.policy == ConflictPolicy::manual && (roll -= 0.06) < 0)
        return log(who + resolve_one(c));
      if (o_.restores && (roll -= 0.015) < 0) return log(who + backup(c));
      if (o_.restores && (roll -= 0.015) < 0) return log(who + restore(c));
      if (o_.restores && (roll -= 0.01) < 0) return log(who + clone(c));
      log(who + random_sync(c));
    } catch (const UserError& e) {
      log(who + "refused: " + e.what());
    } catch (const std::exception& e) {
      problem(who + "unexpected error: " + e.what());
      log(who + "unexpected error: " + e.what());
    }
  }

  /// The user replaces or deletes a value of their own: a value they held back before is no
  /// longer theirs to lose.
  void supersede(SimClient& c, Entity e, const std::string& id, const char* field = nullptr) {
    auto row = c.client->records().read_row(e, id);
    if (!row) return;
    std::set<std::string> gone;
    collect_strings(field ? (*row)[field] : *row, gone);
    for (const auto& v : gone) c.held.erase(v);
  }

  std::string update_customer(SimClient& c) {
    std::string id = random_id(c, Entity::customers);
    if (id.empty()) return "no customer to update";
    const char* field = chance(0.5) ? "phone" : "city";
    std::string v = marker(field);
    supersede(c, Entity::customers, id, field);
    c.client->records().update(Entity::customers, id, {{field, v}});
    return "update customers " + id + " " + field + "=" + v;
  }

  std::string create_customer(SimClient& c) {
    std::string name = marker("name");
    std::string id = c.client->records().create(Entity::customers, {{"name", name}})["id"];
    return "create customers " + id + " name=" + name;
  }

  std::string create_quote(SimClient& c) {
    std::string customer = random_id(c, Entity::customers);
    if (customer.empty()) return "no customer for a quote";
    std::string amount = amount_marker();
    std::string id = c.client->records().create(
        Entity::quotes,
        {{"customer_id", customer}, {"total_amount", amount}, {"status", "draft"}})["id"];
    return "create quotes " + id + " for customer " + customer + " amount " + amount;
  }

  std::string update_quote(SimClient& c) {
    std::string id = random_id(c, Entity::quotes);
    if (id.empty()) return "no quote to update";
    if (chance(0.3)) {
      static const char* kStatus[] = {"draft", "sent", "accepted", "declined"};
      std::string s = kStatus[pick(4)];
      supersede(c, Entity::quotes, id, "status");
      c.client->records().update(Entity::quotes, id, {{"status", s}});
      return "update quotes " + id + " status=" + s;
    }
    std::string amount = amount_marker();
    supersede(c, Entity::quotes, id, "total_amount");
    c.client->records().update(Entity::quotes, id, {{"total_amount", amount}});
    return "update quotes " + id + " total_amount=" + amount;
  }

  std::string create_order(SimClient& c) {
    std::string quote = random_id(c, Entity::quotes);
    if (quote.empty()) return "no quote for an order";
    auto q = c.client->records().read_row(Entity::quotes, quote);
    std::string id = c.client->records().create(
        Entity::orders,
        {{"quote_id", quote}, {"customer_id", (*q)["customer_id"].get<std::string>()}})["id"];
    return "create orders " + id + " for quote " + quote;
  }

  std::string remove(SimClient& c, Entity e) {
    std::string id = random_id(c, e);
    if (id.empty()) return std::string("nothing to delete in ") + std::string(entity_name(e));
    auto before = c.held;
    supersede(c, e, id);
    try {
      c.client->records().remove(e, id);
    } catch (...) {
      c.held = std::move(before);  // refused: nothing was deleted
      throw;
    }
    return "delete " + std::string(entity_name(e)) + " " + id;
  }

  std::string admin_edit(SimClient& c) {
    std::string id = random_id(c, Entity::customers);
    if (id.empty()) return "no customer for the admin";
    std::string v = marker("admin");
    HttpClient http(o_.server_url, o_.api_key);
    auto a = http.request("PUT", "/api/v1/customers/" + id, json{{"city", v}}.dump());
    return "admin PUT customers " + id + " city=" + v + " -> " + std::to_string(a.status);
  }

  Resolution random_resolution(const ConflictRecord& conflict) {
    Resolution res;
    if (chance(0.75)) {
      res.keep = chance(0.5) ? Side::local : Side::remote;
    } else {
      for (const auto& f : conflict.fields)
        res.fields[f] = chance(0.5) ? Side::local : Side::remote;
    }
    return res;
  }

  std::string describe_resolution(const Resolution& res) {
    if (res.keep) return *res.keep == Side::local ? "keep local" : "keep remote";
    std::string s = "fields";
    for (const auto& [f, side] : res.fields)
      s += " " + f + "=" + (side == Side::local ? "local" : "remote");
    return s;
  }

  std::string resolve_one(SimClient& c) {
    auto open = c.client->engine().conflicts(false);
    if (open.empty()) return "no open conflict";
    const ConflictRecord& conflict = open[pick(static_cast<int>(open.size()))];
    Resolution res = random_resolution(conflict);
    std::string what = "conflict " + std::to_string(conflict.id) + " (" +
                       std::string(entity_name(conflict.entity)) + " " + conflict.entity_id + ") " +
                       describe_resolution(res);
    try {
      c.client->engine().resolve(conflict.id, res);
    } catch (const UserError&) {
      throw;
    } catch (const std::exception& e) {
      throw std::runtime_error("resolve " + what + ": " + e.what());
    }
    ++r_.resolutions;
    return "resolve conflict " + std::to_string(conflict.id) + " (" +
           std::string(entity_name(conflict.entity)) + " " + conflict.entity_id + ") " +
           describe_resolution(res);
  }

  std::string backup(SimClient& c) {
    c.backup = dir_.file("backup-" + std::to_string(c.number) + ".db");
    c.client->backup_to(c.backup);
    return "backup taken";
  }

  std::string restore(SimClient& c) {
    if (c.backup.empty()) return "no backup to restore";
    note_history(c);
    // What only this database held, and was never handed to the server or recorded, goes with
    // the restore: that is what restoring an old backup means.
    std::set<std::string> kept;
    for (const auto& v : c.held)
      if (seen_on_server_.count(v) || c.history.count(v)) kept.insert(v);
    c.held = std::move(kept);
    c.client->restore_from(c.backup);
    ++r_.restores;
    return "restored from its backup";
  }

  std::string clone(SimClient& c) {
    if (static_cast<int>(clients_.size()) >= o_.max_clients) return "no room for a copy";
    c.client->close();
    std::string copy = dir_.file("copy-" + std::to_string(clients_.size()) + ".db");
    std::filesystem::copy_file(c.client->db_path(), copy);
    c.client->open();
    SimClient& twin = add_client(copy);
    twin.held = c.held;
    twin.history = c.history;
    ++r_.clones;
    return "copied to a new client " + std::to_string(twin.number);
  }

  std::string random_sync(SimClient& c) {
    SyncOptions so;
    if (o_.partial_syncs && chance(0.25)) {
      if (chance(0.5))
        so.direction = chance(0.5) ? Direction::push : Direction::pull;
      else
        so.entities = {kEntitiesInFkOrder[pick(3)]};
    }
    if (o_.kill_clients && chance(0.35)) return killed_sync(c, so);
    return sync(c, so, true);
  }

  std::string sync(SimClient& c, SyncOptions so, bool note) {
    so.policy = o_.policy;
    if (note) note_held_values(c);
    SyncReport rep = c.client->sync(so);
    ++r_.syncs;
    r_.conflicts += rep.conflicts;
    r_.forks += rep.forks;
    if (!rep.ok) ++r_.failed_syncs;
    if (note) {
      note_server_state();
      note_history(c);
      check_synced_rows(c, "after sync " + std::to_string(r_.syncs) + " of client " +
                               std::to_string(c.number) + ": ");
    }
    last_report_ = rep;
    std::ostringstream s;
    s << "sync " << direction_name(so.direction)
      << (so.entities.empty() ? "" : " " + std::string(entity_name(so.entities[0])))
      << (rep.ok ? " ok" : " failed: " + rep.error) << " pulled " << rep.pulled << " pushed "
      << rep.pushed << " conflicts " << rep.conflicts << " rejected " << rep.rejected
      << (rep.forks ? " FORKED" : "");
    return s.str();
  }

  /// A sync by the real CLI, killed with SIGKILL at a random moment (if it is still running).
  std::string killed_sync(SimClient& c, const SyncOptions& so) {
    note_held_values(c);
    std::vector<std::string> args = {o_.cli_binary,
                                     "--db",
                                     c.client->db_path(),
                                     "--remote",
                                     client_url_,
                                     "--api-key",
                                     o_.api_key,
                                     "--retries",
                                     "2",
                                     "--json",
                                     "sync",
                                     "--policy",
                                     std::string(policy_name(o_.policy)),
                                     "--direction",
                                     std::string(direction_name(so.direction))};
    if (!so.entities.empty()) {
      args.push_back("--entity");
      args.push_back(std::string(entity_name(so.entities[0])));
    }
    std::string out = dir_.file("cli.out");
    FILE* sink = std::fopen(out.c_str(), "w");
    pid_t pid = spawn_process(args, fileno(sink), fileno(sink));
    std::fclose(sink);
    int after_ms = pick(120);
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));  // the moment to kill at
    bool killed = ::kill(pid, SIGKILL) == 0;
    int status = 0;
    ::waitpid(pid, &status, 0);
    bool was_killed = killed && WIFSIGNALED(status);
    ++r_.syncs;
    if (was_killed) ++r_.kills;
    note_server_state();
    note_history(c);
    return std::string("cli sync ") +
           (was_killed ? "killed after " + std::to_string(after_ms) + " ms"
                       : "finished, exit " + std::to_string(WEXITSTATUS(status)));
  }

  void keep_databases() {
    std::filesystem::create_directories(o_.keep_dir);
    for (auto& c : clients_) {
      c->client->close();
      std::filesystem::copy_file(c->client->db_path(),
                                 o_.keep_dir + "/client-" + std::to_string(c->number) + ".db",
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }

  // --- the end ---
  void settle() {
    for (int round = 0; round < 20; ++round) {
      ++r_.settle_rounds;
      bool quiet = true;
      for (auto& c : clients_) {
        std::string line = sync(*c, SyncOptions{}, true);
        const SyncReport& rep = last_report_;
        log("settle " + std::to_string(round) + " client " + std::to_string(c->number) + ": " +
            line);
        if (!rep.ok || rep.pulled || rep.pushed || rep.conflicts || rep.rejected || rep.forks)
          quiet = false;
        if (o_.policy == ConflictPolicy::manual) {
          for (const auto& conflict : c->client->engine().conflicts(false)) {
            Resolution res = random_resolution(conflict);
            try {
              c->client->engine().resolve(conflict.id, res);
              ++r_.resolutions;
              quiet = false;
              log("settle: client " + std::to_string(c->number) + " resolve " +
                  std::to_string(conflict.id) + " " + describe_resolution(res));
            } catch (const UserError& e) {
              log("settle: resolve refused: " + std::string(e.what()));
            } catch (const std::exception& e) {
              std::string what = "settle: client " + std::to_string(c->number) + " resolve " +
                                 std::to_string(conflict.id) + " (" +
                                 std::string(entity_name(conflict.entity)) + " " +
                                 conflict.entity_id + ") " + describe_resolution(res) +
                                 " failed: " + e.what();
              problem(what);
              log(what);
            }
          }
        }
      }
      if (quiet && round > 0) return;
    }
    problem("did not settle within 20 rounds of syncs");
  }

  void check() {
    note_server_state();
    for (auto& c : clients_) {
      std::string who = "client " + std::to_string(c->number) + ": ";
      for (const auto& p : convergence_problems(o_.server_url, o_.api_key, c->client->engine()))
        problem(who + p);
      note_history(*c);
      for (const auto& v : c->held)
        if (!seen_on_server_.count(v) && !c->history.count(v))
          problem(who + "value '" + v +
                  "' was waiting to be pushed, never reached the server, and is not in the "
                  "conflict history");
    }
  }

  ModelOptions o_;
  std::mt19937_64 rng_;
  std::unique_ptr<FaultProxy> proxy_;
  std::string client_url_;
  TempDir dir_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  std::set<std::string> markers_, seen_on_server_;
  Rows server_now_[3];
  std::int64_t marks_ = 0;
  SyncReport last_report_;
  ModelResult r_;
};

}  // namespace

ModelResult run_model(const ModelOptions& options) {
  return Simulation(options).run();
}

std::string describe(const ModelOptions& o, const ModelResult& r) {
  std::ostringstream s;
  s << "seed " << o.seed << " policy " << policy_name(o.policy) << ": "
    << (r.converged ? "converged" : "DIVERGED") << "; " << r.ops << " operations, " << r.syncs
    << " syncs (" << r.failed_syncs << " failed, " << r.kills << " killed), " << r.conflicts
    << " conflicts, " << r.resolutions << " resolutions, " << r.forks << " forks, " << r.restores
    << " restores, " << r.clones << " copies, " << r.settle_rounds << " settle rounds";
  if (r.faults.connections)
    s << "; proxy: " << r.faults.connections << " connections, " << r.faults.refused << " refused, "
      << r.faults.delayed << " delayed, " << r.faults.cut_requests << " requests cut, "
      << r.faults.cut_responses << " answers cut";
  s << "\n";
  for (const auto& p : r.problems) s << "PROBLEM " << p << "\n";
  for (const auto& l : r.log) s << l << "\n";
  return s.str();
}

}  // namespace craftsync::test
