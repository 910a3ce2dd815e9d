#include "tests/support/convergence.hpp"

#include "core/sqlite_db.hpp"
#include "core/sync_engine.hpp"
#include "tests/support/http.hpp"

namespace craftsync::test {

using nlohmann::json;

Rows server_rows(const std::string& url, const std::string& key, Entity e, bool with_rev) {
  HttpClient http(url, key);
  Rows rows;
  std::string after;
  for (;;) {
    auto a = http.get("/api/v1/" + std::string(entity_name(e)) + "?limit=5000&after_id=" + after);
    if (a.status != 200)
      throw std::runtime_error("listing " + std::string(entity_name(e)) +
                               " failed: " + std::to_string(a.status) + " " + a.body);
    json page = a.json();
    for (auto& r : page["records"]) {
      if (!with_rev) r.erase("rev");
      std::string id = r["id"];
      rows[id] = std::move(r);
    }
    if (page["next_after_id"].is_null()) return rows;
    after = page["next_after_id"].get<std::string>();
  }
}

Rows client_rows(SyncEngine& engine, Entity e) {
  Rows rows;
  ListQuery q;
  q.limit = 100000000;
  for (auto& r : engine.records().list(e, q)) {
    std::string id = r["id"];
    rows[id] = std::move(r);
  }
  return rows;
}

std::vector<std::string> row_differences(const Rows& server, const Rows& client, Entity e) {
  std::vector<std::string> out;
  std::string name(entity_name(e));
  for (const auto& [id, row] : server) {
    auto it = client.find(id);
    if (it == client.end())
      out.push_back(name + " " + id + " is on the server but not on the client");
    else if (it->second != row)
      out.push_back(name + " " + id + " differs: server " + row.dump() + " client " +
                    it->second.dump());
  }
  for (const auto& [id, row] : client)
    if (!server.count(id)) out.push_back(name + " " + id + " is only on the client: " + row.dump());
  return out;
}

std::vector<std::string> foreign_key_problems(SyncEngine& engine) {
  std::vector<std::string> out;
  auto st = engine.db().prepare("PRAGMA foreign_key_check");
  while (st.step())
    out.push_back("dangling reference: " + st.text_at(0) + " row " + std::to_string(st.int_at(1)) +
                  " -> " + st.text_at(2));
  return out;
}

std::vector<std::string> convergence_problems(const std::string& url, const std::string& key,
                                              SyncEngine& engine) {
  std::vector<std::string> out;
  for (Entity e : kEntitiesInFkOrder)
    for (auto& d : row_differences(server_rows(url, key, e), client_rows(engine, e), e))
      out.push_back(std::move(d));
  for (auto& p : foreign_key_problems(engine)) out.push_back(std::move(p));
  auto st = engine.db().prepare(
      "SELECT entity_type, entity_id, state, coalesce(errors, '') FROM sync_metadata "
      "WHERE state <> 'synced'");
  while (st.step()) {
    std::string state = st.text_at(2), errors = st.text_at(3);
    if (state == "rejected" && errors.size() > 2) continue;  // visible, with its reason
    out.push_back(st.text_at(0) + " " + st.text_at(1) + " is still " + state +
                  (state == "rejected" ? " without a reason" : ""));
  }
  auto ob = engine.db().prepare("SELECT count(*) FROM outbox");
  ob.step();
  if (ob.int_at(0) > 0) out.push_back(std::to_string(ob.int_at(0)) + " outbox entries left");
  return out;
}

}  // namespace craftsync::test
