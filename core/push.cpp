#include "core/push.hpp"

#include <set>
#include <unordered_map>

#include "core/cancel.hpp"
#include "core/clock.hpp"
#include "core/http_client.hpp"
#include "core/protocol.hpp"
#include "core/reconcile.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;
using RecordKey = std::pair<Entity, std::string>;

/// Records that may not be pushed now, and whose children must wait too.
struct Blocked {
  std::set<RecordKey> held;    // rejected or waiting for a person
  std::set<RecordKey> unsent;  // created locally, not yet on the server

  bool parent_blocks(Entity parent, const std::string& id) const {
    return held.count({parent, id}) || unsent.count({parent, id});
  }
};

Blocked load_blocked(SqliteConn& db) {
  Blocked b;
  auto st = db.prepare(
      "SELECT entity_type, entity_id, state, remote_version FROM sync_metadata WHERE state <> "
      "'synced'");
  while (st.step()) {
    auto e = parse_entity(st.view_at(0));
    if (!e) continue;
    RecordKey key{*e, st.text_at(1)};
    std::string_view state = st.view_at(2);
    if (state == "rejected" || state == "conflict")
      b.held.insert(key);
    else if (st.is_null(3))
      b.unsent.insert(key);
  }
  return b;
}

bool blocked_by_parent(const OutboxEntry& o, const Blocked& b) {
  if (o.op != Op::upsert || !o.data.is_object()) return false;
  for (const FieldSpec& f : fields_of(o.entity)) {
    if (f.kind != FieldKind::reference || !f.references) continue;
    auto it = o.data.find(f.name);
    if (it != o.data.end() && it->is_string() &&
        b.parent_blocks(*f.references, it->get<std::string>()))
      return true;
  }
  return false;
}

/// The wire form: server-owned numbers are never sent.
Mutation to_mutation(const OutboxEntry& o) {
  Mutation m;
  m.seq = o.seq;
  m.entity = o.entity;
  m.id = o.id;
  m.op = o.op;
  m.base_rev = o.base_rev;
  if (o.op == Op::upsert) {
    m.data = o.data;
    m.data.erase("id");
    if (auto n = number_field(o.entity)) m.data.erase(std::string(*n));
  }
  return m;
}

class BatchSender {
 public:
  BatchSender(SqliteConn& db, RecordStore& store, HttpClient& http, const PushOptions& options)
      : db_(db), store_(store), http_(http), options_(options) {}

  /// Sends entries (marking them in flight first) and applies the verdicts.
  void send(const std::vector<OutboxEntry>& entries, PushStats& stats) {
    if (entries.empty()) return;
    {
      SqliteTxn txn(db_);
      for (const auto& o : entries) {
        auto st = db_.prepare(
            "UPDATE outbox SET state = 'inflight', attempts = attempts + 1 WHERE seq = ?1");
        st.bind(1, o.seq);
        st.run();
      }
      txn.commit();
    }
    PushRequest req;
    req.device_id = store_.device_id();
    for (const auto& o : entries) req.mutations.push_back(to_mutation(o));
    auto answer = http_.post_json("/api/v1/push", to_json(req).dump());
    json body = json::parse(answer.body, nullptr, false);
    if (body.is_discarded())
      throw ProtocolError("bad_response", "server sent a push answer that is not JSON");
    std::vector<MutationResult> results = parse_push_response(body);
    std::unordered_map<std::int64_t, const OutboxEntry*> by_seq;
    for (const auto& o : entries) by_seq[o.seq] = &o;
    for (const auto& r : results)
      if (!by_seq.count(r.seq))
        throw ProtocolError("bad_response", "server answered for seq " + std::to_string(r.seq) +
                                                ", which was not sent");
    ++stats.batches;

    SqliteTxn txn(db_);
    for (const auto& r : results) apply_verdict(*by_seq[r.seq], r, stats);
    stats.retried +=
        static_cast<std::int64_t>(entries.size()) - static_cast<std::int64_t>(results.size());
    txn.commit();
  }

 private:
  void remove_entry(std::int64_t seq) {
    auto st = db_.prepare("DELETE FROM outbox WHERE seq = ?1");
    st.bind(1, seq);
    st.run();
  }

  bool has_more_entries(Entity e, const std::string& id) {
    auto st = db_.prepare("SELECT 1 FROM outbox WHERE entity_type = ?1 AND entity_id = ?2 LIMIT 1");
    st.bind(1, entity_name(e)).bind(2, std::string_view(id));
    return st.step();
  }

  void apply_verdict(const OutboxEntry& o, const MutationResult& r, PushStats& stats) {
    switch (r.status) {
      case Verdict::applied:
        applied(o, r);
        ++stats.pushed;
        break;
      case Verdict::conflict: {
        remove_entry(o.seq);
        RecordState remote = r.server.is_object() ? RecordState{r.server} : RecordState{};
        ReconcileOutcome out =
            reconcile(db_, store_, o.entity, o.id, remote, r.rev.value_or(0), options_.policy);
        ++stats.conflicts;
        stats.merged += out.merged;
        break;
      }
      case Verdict::rejected:
        remove_entry(o.seq);
        store_.set_state(o.entity, o.id, "rejected", r.errors);
        ++stats.rejected;
        break;
      case Verdict::retry:
        ++stats.retried;
        break;
    }
  }

  void applied(const OutboxEntry& o, const MutationResult& r) {
    remove_entry(o.seq);
    std::int64_t rev = *r.rev;
    if (o.op == Op::remove) {
      if (!has_more_entries(o.entity, o.id)) {
        auto st =
            db_.prepare("DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2");
        st.bind(1, entity_name(o.entity)).bind(2, std::string_view(o.id));
        st.run();
      }
      return;
    }
    // What the server now holds: what we sent, plus what it assigned.
    json server_row = o.data;
    for (const auto& [k, v] : r.assigned.items()) server_row[k] = v;
    if (auto row = store_.read_row(o.entity, o.id)) {
      json updated = *row;
      for (const auto& [k, v] : r.assigned.items())
        if (k != "created_at" && k != "updated_at")
          updated[k] = v;  // local timestamps stay as typed
      if (updated != *row) store_.write_row(o.entity, o.id, updated);
    }
    bool more = has_more_entries(o.entity, o.id);
    auto st = db_.prepare(
        "UPDATE sync_metadata SET remote_version = ?3, last_synced_at = ?4, base = ?5, state = ?6, "
        "errors = NULL, "
        "provisional_number = CASE WHEN ?7 THEN 0 ELSE provisional_number END "
        "WHERE entity_type = ?1 AND entity_id = ?2");
    st.bind(1, entity_name(o.entity))
        .bind(2, std::string_view(o.id))
        .bind(3, rev)
        .bind(4, utc_now_iso());
    if (more)
      st.bind(5, server_row.dump());
    else
      st.bind_null(5);
    st.bind(6, more ? "pending" : "synced");
    bool numbered =
        number_field(o.entity) && r.assigned.contains(std::string(*number_field(o.entity)));
    st.bind(7, std::int64_t(numbered || !number_field(o.entity)));
    st.run();
    if (more) {  // later edits of ours were made on top of this one
      auto rb =
          db_.prepare("UPDATE outbox SET base_rev = ?3 WHERE entity_type = ?1 AND entity_id = ?2");
      rb.bind(1, entity_name(o.entity)).bind(2, std::string_view(o.id)).bind(3, rev);
      rb.run();
    }
  }

  SqliteConn& db_;
  RecordStore& store_;
  HttpClient& http_;
  const PushOptions& options_;
};

}  // namespace

void recover_inflight(SqliteConn& db, RecordStore& store, HttpClient& http,
                      const PushOptions& options, const CancelToken& cancel, PushStats& stats) {
  BatchSender sender(db, store, http, options);
  for (int round = 0; round < options.max_rounds; ++round) {
    if (cancel.is_cancelled()) throw Cancelled();
    // Resent exactly as first sent, in FK order, so the server can replay its verdicts.
    std::vector<OutboxEntry> batch;
    for (Entity e : kEntitiesInFkOrder) {
      auto part = select_outbox(
          db, "state = 'inflight' AND entity_type = '" + std::string(entity_name(e)) + "'",
          options.batch_size - static_cast<int>(batch.size()));
      batch.insert(batch.end(), part.begin(), part.end());
    }
    if (batch.empty()) break;
    std::int64_t before = stats.retried;
    sender.send(batch, stats);
    if (stats.retried > before) break;  // the server is not ready; the next run tries again
  }
}

void push_outbox(SqliteConn& db, RecordStore& store, HttpClient& http, const PushOptions& options,
                 const CancelToken& cancel, PushStats& stats,
                 const std::function<void(const PushStats&)>& progress) {
  BatchSender sender(db, store, http, options);
  std::vector<Entity> entities = options.entities;
  if (entities.empty()) entities.assign(kEntitiesInFkOrder.begin(), kEntitiesInFkOrder.end());
  for (Entity e : kEntitiesInFkOrder) {
    if (std::find(entities.begin(), entities.end(), e) == entities.end()) continue;
    std::string where = "entity_type = '" + std::string(entity_name(e)) + "'";
    std::int64_t after_seq = 0;
    std::int64_t budget = options.max_rounds;
    for (;;) {
      if (cancel.is_cancelled()) throw Cancelled();
      Blocked blocked = load_blocked(db);
      std::vector<OutboxEntry> window =
          select_outbox(db, where + " AND seq > " + std::to_string(after_seq), options.batch_size);
      if (window.empty()) break;
      std::vector<OutboxEntry> batch;
      std::set<std::string> in_batch;
      for (auto& o : window) {
        // One mutation per record per batch: a later edit waits for the rev the first one gets.
        if (in_batch.count(o.id)) break;
        after_seq = o.seq;
        if (blocked.held.count({o.entity, o.id}) || blocked_by_parent(o, blocked)) {
          ++stats.held;
          continue;
        }
        in_batch.insert(o.id);
        batch.push_back(std::move(o));
      }
      if (batch.empty()) continue;
      std::int64_t retried_before = stats.retried, conflicts_before = stats.conflicts;
      sender.send(batch, stats);
      if (progress) progress(stats);
      if (stats.retried > retried_before) break;  // the server asked us to come back later
      if (stats.conflicts > conflicts_before && --budget <= 0) break;  // bounded re-merge rounds
    }
  }
}

}  // namespace craftsync
