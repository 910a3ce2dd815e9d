#include "core/push.hpp"

#include <algorithm>
#include <future>
#include <set>
#include <unordered_map>

#include "core/cancel.hpp"
#include "core/http_client.hpp"
#include "core/protocol.hpp"
#include "core/pull.hpp"
#include "core/reconcile.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync {
namespace {

using nlohmann::json;
using RecordKey = std::pair<Entity, std::string>;

/// Records that may not be pushed now, or whose children must wait, asked record by record:
/// a scan of every unsettled record per batch would cost a pass over a large offline outbox
/// for each of its batches.
class Blocked {
 public:
  explicit Blocked(SyncState& sync) : sync_(sync), held_(sync.held_records()) {}

  /// Rejected or waiting for a person: the record's own later edits wait. (The few such
  /// records are read once per window, not asked for entry by entry.)
  bool held(Entity e, const std::string& id) const { return held_.count({e, id}) > 0; }

  /// Children wait for a parent in conflict, or not on the server yet. (A rejected record the
  /// server has, an older state of it, still exists there for children.)
  bool by_parent(const OutboxEntry& o) {
    if (o.op != Op::upsert || !o.data.is_object()) return false;
    for (const FieldSpec& f : fields_of(o.entity)) {
      if (f.kind != FieldKind::reference || !f.references) continue;
      auto it = o.data.find(f.name);
      if (it == o.data.end() || !it->is_string()) continue;
      auto info = sync_.get(*f.references, it->get<std::string>());
      if (info && info->state != "synced" && (info->state == "conflict" || !info->remote_version))
        return true;
    }
    return false;
  }

 private:
  SyncState& sync_;
  std::set<std::pair<Entity, std::string>> held_;
};

/// Records the server refused only because a record they refer to was missing (fk_missing)
/// go again once every such record exists locally and on the server (it was restored, or was
/// not yet there when they were sent).
void requeue_refused_with_parents(SqliteConn& db, RecordStore& store) {
  std::vector<RecordKey> refused;
  for (UnsettledRecord& r : store.sync().unsettled("rejected")) {
    if (!r.errors.is_array() || r.errors.empty()) continue;
    bool only_missing = std::all_of(r.errors.begin(), r.errors.end(), [](const json& x) {
      return x.is_object() && x.value("code", "") == "fk_missing";
    });
    if (only_missing) refused.emplace_back(r.entity, std::move(r.id));
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
    store.sync().mark_retry(e, id);
    store.sync().enqueue(e, id, Op::upsert, row);
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

/// A batch on its way: marked in flight, its request built, and once posted, its answer
/// awaited on a thread of its own (the HTTP client is used by one thread at a time: only that
/// one, until the answer is taken).
struct Flight {
  std::vector<OutboxEntry> entries;
  std::vector<std::string> previous_devices;  // each entry's device id before it was marked
  std::set<std::string> ids;
  std::string device;
  std::string body;
  std::future<HttpResponse> answer;
};

class BatchSender {
 public:
  BatchSender(SqliteConn& db, RecordStore& store, HttpClient& http, const PushOptions& options)
      : db_(db), store_(store), sync_(store.sync()), http_(http), options_(options) {}

  /// Sends entries (marking them in flight first) under the device id they were first sent
  /// with, or this database's id now, and applies the verdicts. All entries must share that id.
  /// Returns true when the database took a new device id (a fork; see fork()).
  bool send(std::vector<OutboxEntry> entries, PushStats& stats) {
    if (entries.empty()) return false;
    Flight f = prepare(std::move(entries));
    post(f);
    return land(f, receive(f), stats);
  }

  /// Marks the entries in flight and builds their request. Nothing is sent yet.
  Flight prepare(std::vector<OutboxEntry> entries) {
    Flight f;
    f.device = entries.front().device_id.empty() ? store_.device_id() : entries.front().device_id;
    {
      std::vector<std::int64_t> seqs;
      for (const auto& o : entries) seqs.push_back(o.seq);
      SqliteTxn txn(db_);
      sync_.mark_sent(seqs, f.device);
      txn.commit();
    }
    PushRequest req;
    req.device_id = f.device;
    for (const auto& o : entries) {
      req.mutations.push_back(to_mutation(o));
      f.ids.insert(o.id);
      f.previous_devices.push_back(o.device_id);
    }
    f.body = to_json(req).dump();
    f.entries = std::move(entries);
    return f;
  }

  /// A prepared batch that will not go after all: its entries are queued again, as they were.
  void unprepare(const Flight& f) {
    SqliteTxn txn(db_);
    for (std::size_t i = 0; i < f.entries.size(); ++i)
      sync_.unmark_sent(f.entries[i].seq, f.previous_devices[i]);
    txn.commit();
  }

  /// Sends the request on a thread of its own. The body goes with it, so that the flight
  /// itself may move.
  void post(Flight& f) {
    f.answer = std::async(std::launch::async, [this, body = std::move(f.body)] {
      return http_.post_json("/api/v1/push", body);
    });
  }

  /// Waits for the answer and checks it. Throws on a transport error or a malformed answer;
  /// the batch then stays in flight, to be sent again as it was.
  PushResponse receive(Flight& f) {
    HttpResponse answer = f.answer.get();
    json body = json::parse(answer.body, nullptr, false);
    if (body.is_discarded())
      throw ProtocolError("bad_response", "server sent a push answer that is not JSON");
    PushResponse response = parse_push_response(body);
    std::set<std::int64_t> sent;
    for (const auto& o : f.entries) sent.insert(o.seq);
    for (const auto& r : response.results)
      if (!sent.count(r.seq))
        throw ProtocolError("bad_response", "server answered for seq " + std::to_string(r.seq) +
                                                ", which was not sent");
    return response;
  }

  /// Whether the answer leaves nothing for the next batch to wait for: every entry judged,
  /// applied or refused, and no sign of a fork. Only then may the next batch go before this
  /// one's verdicts are applied.
  bool calm(const Flight& f, const PushResponse& response) {
    if (response.results.size() != f.entries.size()) return false;
    for (const auto& r : response.results)
      if (r.status != Verdict::applied && r.status != Verdict::rejected) return false;
    return !(f.device == store_.device_id() && response.device_max_seq > sync_.last_used_seq());
  }

  /// Applies the verdicts of an answered batch. Returns true when the database took a new
  /// device id (a fork; see fork()).
  bool land(const Flight& f, const PushResponse& response, PushStats& stats) {
    std::unordered_map<std::int64_t, const OutboxEntry*> by_seq;
    for (const auto& o : f.entries) by_seq[o.seq] = &o;
    SqliteTxn txn(db_);
    // Every judged entry leaves the outbox (a retried or forked one stays), all at once.
    std::vector<std::int64_t> judged;
    for (const auto& r : response.results)
      if (r.status == Verdict::applied || r.status == Verdict::conflict ||
          r.status == Verdict::rejected)
        judged.push_back(r.seq);
    sync_.remove_entries(judged);
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
    stats.retried += static_cast<std::int64_t>(f.entries.size()) -
                     static_cast<std::int64_t>(response.results.size());
    // A copy of this database (a restore, a clone) used seqs that this one is about to use, or
    // already did with other content: from now on it syncs as a new device.
    std::string notice;
    if (!forked.empty())
      notice = fork(forked, "seq " + std::to_string(forked.front()) +
                                " of this device was already used for a different change");
    else if (f.device == store_.device_id() && response.device_max_seq > sync_.last_used_seq())
      notice = fork({}, "the server has seen seq " + std::to_string(response.device_max_seq) +
                            " from this device, but this database has used only " +
                            std::to_string(sync_.last_used_seq()));
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
    for (std::int64_t seq : forked) sync_.requeue(seq);
    return "this database was restored from a backup or copied (" + why +
           "); it now syncs as device " + new_id + " (was " + old_id + "), and nothing was lost";
  }

  void apply_verdict(const OutboxEntry& o, const MutationResult& r, PushStats& stats) {
    switch (r.status) {
      case Verdict::applied:
        applied(o, r);
        ++stats.pushed;
        break;
      case Verdict::conflict: {  // (its entry left the outbox in land())
        RecordState remote = r.server.is_object() ? RecordState{r.server} : RecordState{};
        ReconcileOutcome out =
            reconcile(db_, store_, o.entity, o.id, remote, r.rev.value_or(0), options_.policy);
        ++stats.conflicts;
        stats.merged += out.merged;
        break;
      }
      case Verdict::rejected:
        if (o.op == Op::remove && r.server.is_object() && r.rev)
          put_back_refused_delete(o, r);
        else
          sync_.mark_rejected(o.entity, o.id, r.errors);
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
    sync_.mark_delete_refused(o.entity, o.id, *r.rev, r.errors);
  }

  void applied(const OutboxEntry& o, const MutationResult& r) {
    std::int64_t rev = *r.rev;
    if (o.op == Op::remove) {
      if (!sync_.has_entries(o.entity, o.id)) sync_.forget_metadata(o.entity, o.id);
      return;
    }
    bool more = sync_.has_entries(o.entity, o.id);
    auto n = number_field(o.entity);
    if (!more && !n && r.assigned.empty()) {
      // The server holds exactly what we sent, and the row is what we sent: every local write
      // of a record with unsent work makes an outbox entry, and there is none after this one.
      sync_.mark_synced(o.entity, o.id, rev);
      return;
    }
    // What the server now holds: what we sent, with the number it keeps and what it assigned.
    auto row = store_.read_row(o.entity, o.id);
    json server_row = o.data;
    if (n && row) server_row[std::string(*n)] = (*row)[*n];
    for (const auto& [k, v] : r.assigned.items()) server_row[k] = v;
    if (row) {
      if (!more) {
        if (server_row != *row) store_.write_row(o.entity, o.id, server_row);
      } else {
        json updated = *row;  // later edits of ours stand; only the server's numbers come in
        if (n && r.assigned.contains(std::string(*n)))
          updated[std::string(*n)] = r.assigned[std::string(*n)];
        if (updated != *row) store_.write_row(o.entity, o.id, updated);
      }
    }
    if (more) {  // later edits of ours were made on top of this one
      sync_.mark_pending(o.entity, o.id, rev, server_row);
      sync_.rebase_entries(o.entity, o.id, rev);
    } else {
      sync_.mark_synced(o.entity, o.id, rev);
    }
    // Only a numbered record can have had a provisional number.
    if (n && r.assigned.contains(std::string(*n))) sync_.clear_provisional(o.entity, o.id);
  }

  SqliteConn& db_;
  RecordStore& store_;
  SyncState& sync_;
  HttpClient& http_;
  const PushOptions& options_;
};

}  // namespace

void recover_inflight(const SyncStep& step, const PushOptions& options, PushStats& stats) {
  auto& [db, store, http, cancel] = step;
  BatchSender sender(db, store, http, options);
  for (int round = 0; round < options.max_rounds; ++round) {
    if (cancel.is_cancelled()) throw Cancelled();
    // Resent exactly as first sent, under the device id they were sent with, in FK order, so
    // that the server can replay its verdicts.
    std::optional<std::string> device = store.sync().oldest_inflight_device();
    if (!device) break;
    std::vector<OutboxEntry> batch;
    for (Entity e : kEntitiesInFkOrder) {
      auto part = store.sync().inflight_window(
          e, *device, options.batch_size - static_cast<std::int64_t>(batch.size()));
      batch.insert(batch.end(), part.begin(), part.end());
    }
    if (batch.empty()) break;
    std::int64_t before = stats.retried;
    sender.send(std::move(batch), stats);
    if (stats.retried > before) break;  // the server is not ready; the next run tries again
  }
}

namespace {

/// The queued entries of one entity, taken in seq order a batch at a time.
class BatchPicker {
 public:
  BatchPicker(SyncState& sync, Entity e, std::int64_t batch_size)
      : sync_(sync), entity_(e), batch_size_(batch_size) {}

  /// The next batch, skipping entries that must wait. Stops at a record in `flying` (its next
  /// edit needs the rev that batch's verdict brings), so the batch may be empty while entries
  /// remain; `end` says whether any remain.
  std::vector<OutboxEntry> next(const std::set<std::string>* flying, bool& end) {
    mark_ = after_seq_;
    held_ = 0;
    end = false;
    Blocked blocked(sync_);
    for (;;) {
      std::vector<OutboxEntry> window = sync_.queued_window(entity_, after_seq_, batch_size_);
      if (window.empty()) {
        end = true;
        return {};
      }
      std::vector<OutboxEntry> batch;
      std::set<std::string> in_batch;
      bool at_flying = false;
      for (auto& o : window) {
        // One mutation per record per batch: a later edit waits for the rev the first one gets.
        if (in_batch.count(o.id)) break;
        if (flying && flying->count(o.id)) {
          at_flying = true;
          break;
        }
        after_seq_ = o.seq;
        if (blocked.held(o.entity, o.id) || blocked.by_parent(o)) {
          ++held_;
          continue;
        }
        in_batch.insert(o.id);
        batch.push_back(std::move(o));
      }
      if (!batch.empty() || at_flying) return batch;
    }
  }
  /// Entries skipped by the last next() because they must wait.
  std::int64_t held() const { return held_; }
  /// Forgets the last next(): its entries will be taken again.
  void take_back() { after_seq_ = mark_; }
  /// Starts again from the first queued entry.
  void restart() { after_seq_ = 0; }

 private:
  SyncState& sync_;
  Entity entity_;
  std::int64_t batch_size_;
  std::int64_t after_seq_ = 0, mark_ = 0, held_ = 0;
};

}  // namespace

// The next batch is picked and prepared while the last one is on the server, and goes as soon
// as the last one's answer is in, before that answer's verdicts are applied: the client's work
// and the server's overlap. One request is on the wire at a time, and the server still judges
// the batches in seq order. The next batch holds none of the last one's records, and when the
// last answer is anything but calm (a conflict, a retry, a fork), the next batch is taken back
// unsent and the loop goes on one batch at a time, as it would without the overlap.
void push_outbox(const SyncStep& step, const PushOptions& options, PushStats& stats,
                 const std::function<void(const PushStats&)>& progress) {
  auto& [db, store, http, cancel] = step;
  BatchSender sender(db, store, http, options);
  requeue_refused_with_parents(db, store);
  std::vector<Entity> entities = options.entities;
  if (entities.empty()) entities.assign(kEntitiesInFkOrder.begin(), kEntitiesInFkOrder.end());
  for (Entity e : kEntitiesInFkOrder) {
    if (std::find(entities.begin(), entities.end(), e) == entities.end()) continue;
    BatchPicker picker(store.sync(), e, options.batch_size);
    std::int64_t budget = options.max_rounds;
    // Declared after the sender: a flight's thread ends before the client it uses goes.
    std::optional<Flight> flying;
    for (;;) {
      if (cancel.is_cancelled()) {
        // The batch on the wire is answered first, unless the cancel stopped it too (then it
        // stays in flight, for the next run to send again).
        if (flying) sender.land(*flying, sender.receive(*flying), stats);
        throw Cancelled();
      }
      bool end = false;
      std::vector<OutboxEntry> batch = picker.next(flying ? &flying->ids : nullptr, end);
      std::optional<Flight> next;
      if (!batch.empty()) next = sender.prepare(std::move(batch));
      if (!flying) {
        stats.held += picker.held();
        if (!next) break;  // nothing in flight and nothing left
        sender.post(*next);
        flying = std::move(next);
        continue;
      }
      std::optional<PushResponse> answered;
      try {
        answered = sender.receive(*flying);
      } catch (...) {
        if (next) sender.unprepare(*next);  // never sent: queued again
        throw;
      }
      const PushResponse& response = *answered;
      if (next && sender.calm(*flying, response)) {
        stats.held += picker.held();
        sender.post(*next);
        ++stats.overlapped;
      } else if (next) {
        sender.unprepare(*next);
        next.reset();
        picker.take_back();
      } else {
        stats.held += picker.held();
      }
      std::int64_t retried_before = stats.retried, conflicts_before = stats.conflicts;
      bool forked = sender.land(*flying, response, stats);
      flying = std::move(next);
      if (progress) progress(stats);
      if (flying) continue;  // the last answer was calm
      // The server asked us to come back later: stop here, so that no child goes before its
      // parent's retry.
      if (stats.retried > retried_before) return;
      if (forked && --budget > 0) {
        picker.restart();  // the refused entries are queued again under the new id
        continue;
      }
      if (stats.conflicts > conflicts_before && --budget <= 0) break;  // bounded re-merge rounds
    }
  }
}

}  // namespace craftsync
