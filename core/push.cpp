#include "core/push.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/cancel.hpp"
#include "core/clock.hpp"
#include "core/http_client.hpp"
#include "core/protocol.hpp"
#include "core/pull.hpp"
#include "core/reconcile.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"
#include "core/uuid.hpp"

namespace craftsync {
namespace {

using nlohmann::json;
using RecordKey = std::pair<Entity, std::string>;

/// Records that may not be pushed now, or whose children must wait.
struct Blocked {
  std::set<RecordKey> held;     // rejected or waiting for a person: their own later edits wait
  std::set<RecordKey> parents;  // children wait: in conflict, or not on the server yet

  bool parent_blocks(Entity parent, const std::string& id) const {
    return parents.count({parent, id}) > 0;
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
    if (state == "rejected" || state == "conflict") b.held.insert(key);
    // A rejected record the server has (an older state of it) still exists there for children.
    if (state == "conflict" || st.is_null(3)) b.parents.insert(key);
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

std::int64_t last_used_seq(SqliteConn& db) {
  auto st = db.prepare("SELECT CAST(value AS INTEGER) FROM device WHERE key = 'next_seq'");
  return st.step() ? st.int_at(0) : 0;
}

/// Device ids are UUIDs this client made; anything else in the column is not put into SQL.
bool is_valid_device_id(const std::string& id) {
  return is_valid_uuid(id);
}

/// Records the server refused only because a record they refer to was missing (fk_missing)
/// go again once every such record exists locally and on the server (it was restored, or was
/// not yet there when they were sent).
void requeue_refused_with_parents(SqliteConn& db, RecordStore& store) {
  std::vector<RecordKey> refused;
  {
    auto st = db.prepare(
        "SELECT entity_type, entity_id, errors FROM sync_metadata WHERE state <> 'synced' AND "
        "state = 'rejected' AND "
        "errors IS NOT NULL");
    while (st.step()) {
      auto e = parse_entity(st.view_at(0));
      json errors = json::parse(st.view_at(2), nullptr, false);
      if (!e || !errors.is_array() || errors.empty()) continue;
      bool only_missing = std::all_of(errors.begin(), errors.end(), [](const json& x) {
        return x.is_object() && x.value("code", "") == "fk_missing";
      });
      if (only_missing) refused.emplace_back(*e, st.text_at(1));
    }
  }
  for (const auto& [e, id] : refused) {
    auto row = store.read_row(e, id);
    if (!row) continue;
    bool parents_there = true;
    for (const FieldSpec& f : fields_of(e)) {
      if (f.kind != FieldKind::reference || !f.references) continue;
      auto it = row->find(f.name);
      if (it == row->end() || !it->is_string()) continue;
      auto info = store.sync_info(*f.references, it->get<std::string>());
      bool on_server = info && info->remote_version && info->state != "conflict";
      if (!store.read_row(*f.references, it->get<std::string>()) || !on_server)
        parents_there = false;
    }
    if (!parents_there) continue;
    SqliteTxn txn(db);
    store.set_state(e, id, "pending");
    store.enqueue(e, id, Op::upsert, row);
    txn.commit();
  }
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

  /// Sends entries (marking them in flight first) under the device id they were first sent
  /// with, or this database's id now, and applies the verdicts. All entries must share that id.
  /// Returns true when the database took a new device id (a fork; see fork()).
  bool send(const std::vector<OutboxEntry>& entries, PushStats& stats) {
    if (entries.empty()) return false;
    std::string device =
        entries.front().device_id.empty() ? store_.device_id() : entries.front().device_id;
    {
      SqliteTxn txn(db_);
      for (const auto& o : entries) {
        auto st = db_.prepare(
            "UPDATE outbox SET state = 'inflight', attempts = attempts + 1, device_id = ?2 "
            "WHERE seq = ?1");
        st.bind(1, o.seq).bind(2, std::string_view(device));
        st.run();
      }
      txn.commit();
    }
    PushRequest req;
    req.device_id = device;
    for (const auto& o : entries) req.mutations.push_back(to_mutation(o));
    auto answer = http_.post_json("/api/v1/push", to_json(req).dump());
    json body = json::parse(answer.body, nullptr, false);
    if (body.is_discarded())
      throw ProtocolError("bad_response", "server sent a push answer that is not JSON");
    PushResponse response = parse_push_response(body);
    std::unordered_map<std::int64_t, const OutboxEntry*> by_seq;
    for (const auto& o : entries) by_seq[o.seq] = &o;
    for (const auto& r : response.results)
      if (!by_seq.count(r.seq))
        throw ProtocolError("bad_response", "server answered for seq " + std::to_string(r.seq) +
                                                ", which was not sent");

    SqliteTxn txn(db_);
    std::vector<std::int64_t> forked;
    std::int64_t newest_rev = 0;
    for (const auto& r : response.results) {
      if (r.status == Verdict::device_forked)
        forked.push_back(r.seq);
      else
        apply_verdict(*by_seq[r.seq], r, stats);
      if (r.rev) newest_rev = std::max(newest_rev, *r.rev);
    }
    if (newest_rev > 0) note_rev_seen(db_, newest_rev);
    stats.retried += static_cast<std::int64_t>(entries.size()) -
                     static_cast<std::int64_t>(response.results.size());
    // A copy of this database (a restore, a clone) used seqs that this one is about to use, or
    // already did with other content: from now on it syncs as a new device.
    std::string notice;
    if (!forked.empty())
      notice = fork(forked, "seq " + std::to_string(forked.front()) +
                                " of this device was already used for a different change");
    else if (device == store_.device_id() && response.device_max_seq > last_used_seq(db_))
      notice = fork({}, "the server has seen seq " + std::to_string(response.device_max_seq) +
                            " from this device, but this database has used only " +
                            std::to_string(last_used_seq(db_)));
    txn.commit();
    if (notice.empty()) return false;
    stats.notices.push_back(std::move(notice));
    ++stats.forks;
    return true;
  }

 private:
  /// Takes a new device id: the seqs of this database are no longer its own alone. Entries the
  /// server refused as forked recorded nothing there, so they go again under the new id, with
  /// the same seqs (fresh under that id). Returns the notice for the activity log.
  std::string fork(const std::vector<std::int64_t>& forked, const std::string& why) {
    std::string old_id = store_.device_id();
    std::string new_id = store_.take_new_device_id(why);
    for (std::int64_t seq : forked) {
      auto st = db_.prepare("UPDATE outbox SET state = 'queued', device_id = NULL WHERE seq = ?1");
      st.bind(1, seq);
      st.run();
    }
    return "this database was restored from a backup or copied (" + why +
           "); it now syncs as device " + new_id + " (was " + old_id + "), and nothing was lost";
  }

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
        if (o.op == Op::remove && r.server.is_object() && r.rev)
          put_back_refused_delete(o, r);
        else
          store_.set_state(o.entity, o.id, "rejected", r.errors);
        ++stats.rejected;
        break;
      case Verdict::retry:
      case Verdict::device_forked:
        ++stats.retried;
        break;
    }
  }

  /// The server kept a record we deleted (other records refer to it there): it comes back
  /// as the server has it, marked rejected with the reason.
  void put_back_refused_delete(const OutboxEntry& o, const MutationResult& r) {
    store_.write_row(o.entity, o.id, r.server);
    auto st = db_.prepare(
        "UPDATE sync_metadata SET remote_version = ?3, last_synced_at = ?4, base = NULL, "
        "state = 'rejected', errors = ?5, provisional_number = 0 "
        "WHERE entity_type = ?1 AND entity_id = ?2");
    st.bind(1, entity_name(o.entity)).bind(2, std::string_view(o.id)).bind(3, *r.rev);
    st.bind(4, utc_now_iso()).bind(5, json(r.errors).dump());
    st.run();
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
    // What the server now holds: what we sent, with the number it keeps and what it assigned.
    auto row = store_.read_row(o.entity, o.id);
    json server_row = o.data;
    if (auto n = number_field(o.entity); n && row) server_row[std::string(*n)] = (*row)[*n];
    for (const auto& [k, v] : r.assigned.items()) server_row[k] = v;
    bool more = has_more_entries(o.entity, o.id);
    if (row) {
      if (!more) {
        if (server_row != *row) store_.write_row(o.entity, o.id, server_row);
      } else {
        json updated = *row;  // later edits of ours stand; only the server's numbers come in
        if (auto n = number_field(o.entity); n && r.assigned.contains(std::string(*n)))
          updated[std::string(*n)] = r.assigned[std::string(*n)];
        if (updated != *row) store_.write_row(o.entity, o.id, updated);
      }
    }
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
    // Resent exactly as first sent, under the device id they were sent with, in FK order, so
    // that the server can replay its verdicts.
    std::string device;
    {
      auto st = db.prepare(
          "SELECT coalesce(device_id, '') FROM outbox WHERE state = 'inflight' ORDER BY seq LIMIT "
          "1");
      if (!st.step()) break;
      device = st.text_at(0);
    }
    std::string same_device = device.empty() ? "device_id IS NULL" : "device_id = '" + device + "'";
    if (!device.empty() && !is_valid_device_id(device)) same_device = "0";
    std::vector<OutboxEntry> batch;
    for (Entity e : kEntitiesInFkOrder) {
      auto part = select_outbox(db,
                                "state = 'inflight' AND " + same_device + " AND entity_type = '" +
                                    std::string(entity_name(e)) + "'",
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
  requeue_refused_with_parents(db, store);
  std::vector<Entity> entities = options.entities;
  if (entities.empty()) entities.assign(kEntitiesInFkOrder.begin(), kEntitiesInFkOrder.end());
  for (Entity e : kEntitiesInFkOrder) {
    if (std::find(entities.begin(), entities.end(), e) == entities.end()) continue;
    std::string where = "state = 'queued' AND entity_type = '" + std::string(entity_name(e)) + "'";
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
      bool forked = sender.send(batch, stats);
      if (progress) progress(stats);
      // The server asked us to come back later: stop here, so that no child goes before its
      // parent's retry.
      if (stats.retried > retried_before) return;
      if (forked && --budget > 0) {
        after_seq = 0;  // the refused entries are queued again under the new id
        continue;
      }
      if (stats.conflicts > conflicts_before && --budget <= 0) break;  // bounded re-merge rounds
    }
  }
}

}  // namespace craftsync
