#include "server/mutation_apply.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/clock.hpp"
#include "server/auth.hpp"

namespace craftsync::server {
namespace {

using nlohmann::json;

MutationResult conflict(const Mutation& m, const StoredRow& cur) {
  MutationResult r;
  r.seq = m.seq;
  r.status = Verdict::conflict;
  r.rev = cur.rev;
  r.server = cur.deleted ? json(nullptr) : cur.data;
  r.server_deleted = cur.deleted;
  return r;
}

MutationResult rejected(const Mutation& m, std::vector<FieldError> errors) {
  MutationResult r;
  r.seq = m.seq;
  r.status = Verdict::rejected;
  r.errors = std::move(errors);
  r.message = "the server rejected this change; see errors";
  return r;
}

std::string number_prefix_now(Entity e) {
  return std::string(number_prefix(e)) + "-" + utc_now_iso().substr(0, 4) + "-";
}

/// Server-owned fields may be echoed back unchanged, never set.
void check_server_owned(Entity e, const json& data, const json& current,
                        std::vector<FieldError>& errors) {
  auto field = number_field(e);
  if (!field) return;
  auto it = data.find(*field);
  if (it == data.end() || it->is_null()) return;
  auto cur = current.is_object() ? current.find(*field) : current.end();
  if (current.is_object() && cur != current.end() && *cur == *it) return;
  errors.push_back({std::string(*field), "server_owned",
                    std::string(*field) + " is assigned by the server and cannot be set"});
}

void check_references(WriteTxn& txn, Entity e, const json& row, std::vector<FieldError>& errors) {
  for (const FieldSpec& f : fields_of(e)) {
    if (f.kind != FieldKind::reference || !f.references) continue;
    auto it = row.find(f.name);
    if (it == row.end() || !it->is_string()) continue;
    const auto& ref = it->get_ref<const std::string&>();
    if (!txn.exists(*f.references, ref))
      errors.push_back({std::string(f.name), "fk_missing",
                        std::string(entity_name(*f.references)) + " " + ref + " does not exist"});
  }
}

/// Builds the full row: the current row (if any) patched with the mutation's fields.
json build_row(Entity e, const json& current, const json& patch) {
  json row = json::object();
  for (const FieldSpec& f : fields_of(e)) {
    auto p = patch.find(f.name);
    // A null server number or creation time in a patch means "not mine to say", never "clear it".
    bool keep_current = f.kind == FieldKind::server_number || f.name == "created_at";
    if (p != patch.end() && !(keep_current && p->is_null()))
      row[std::string(f.name)] = *p;
    else if (current.is_object() && current.contains(f.name))
      row[std::string(f.name)] = current[f.name];
    else
      row[std::string(f.name)] = nullptr;
  }
  return row;
}

// A verdict that changed a record carries the record's new rev. The judges leave it to the
// caller (`rev_pending`), so that a push batch can read every new rev at once, at its commit.

MutationResult apply_upsert(WriteTxn& txn, const Mutation& m, const std::optional<StoredRow>& cur,
                            bool& rev_pending) {
  // A tombstone can be overwritten only by a client that has seen it (base_rev equal to the
  // tombstone's rev): that is a deliberate restore, e.g. "keep local" after delete-vs-edit.
  const bool creating = !cur || cur->deleted;
  if (cur && (!m.base_rev || *m.base_rev != cur->rev)) return conflict(m, *cur);
  if (!cur && m.base_rev && *m.base_rev != 0) {
    // The client edits a record this server has no trace of (its tombstone was purged).
    return conflict(m, StoredRow{0, true, nullptr});
  }

  std::vector<FieldError> errors;
  json current = cur && !cur->deleted ? cur->data : json(nullptr);
  check_server_owned(m.entity, m.data, current, errors);
  if (!errors.empty()) return rejected(m, std::move(errors));

  json row = build_row(m.entity, current, m.data);
  json assigned = json::object();
  std::string now = utc_now_iso();
  if (creating && row["created_at"].is_null()) assigned["created_at"] = row["created_at"] = now;
  if (!m.data.contains("updated_at") || m.data["updated_at"].is_null())
    assigned["updated_at"] = row["updated_at"] = now;

  errors = value_errors(m.entity, row);
  check_references(txn, m.entity, row, errors);
  if (!errors.empty()) return rejected(m, std::move(errors));

  if (creating) {
    if (auto field = number_field(m.entity)) {
      std::string number = txn.take_number(m.entity, number_prefix_now(m.entity));
      row[std::string(*field)] = number;
      assigned[std::string(*field)] = number;
    }
    txn.insert(m.entity, m.id, row);
  } else {
    txn.update(m.entity, m.id, row);
  }
  MutationResult r;
  r.seq = m.seq;
  r.status = Verdict::applied;
  rev_pending = true;
  r.assigned = std::move(assigned);
  return r;
}

MutationResult apply_delete(WriteTxn& txn, const Mutation& m, const std::optional<StoredRow>& cur,
                            bool& rev_pending) {
  MutationResult r;
  r.seq = m.seq;
  if (!cur || cur->deleted) {  // already gone: deleting again changes nothing
    r.status = Verdict::applied;
    r.rev = cur ? cur->rev : 0;
    return r;
  }
  if (!m.base_rev || *m.base_rev != cur->rev) return conflict(m, *cur);
  if (txn.has_children(m.entity, m.id)) {
    // The record stays: the verdict carries it, so that the client can put it back.
    MutationResult refused =
        rejected(m, {{"id", "has_children",
                      "other records still refer to this one; delete or move them first"}});
    refused.rev = cur->rev;
    refused.server = cur->data;
    return refused;
  }
  txn.remove(m.entity, m.id);
  r.status = Verdict::applied;
  rev_pending = true;
  return r;
}

MutationResult judge(WriteTxn& txn, const Mutation& m, bool& rev_pending) {
  auto cur = txn.current(m.entity, m.id);
  return m.op == Op::upsert ? apply_upsert(txn, m, cur, rev_pending)
                            : apply_delete(txn, m, cur, rev_pending);
}

}  // namespace

MutationResult apply_mutation(WriteTxn& txn, const Mutation& m) {
  bool rev_pending = false;
  MutationResult r = judge(txn, m, rev_pending);
  if (rev_pending) r.rev = txn.rev_of(m.entity, m.id);
  return r;
}

std::string stored_verdict_json(const MutationResult& r) {
  if (r.server.is_null()) return to_json_text(r);
  json stored = to_json(r);
  stored.erase("server");
  return stored.dump();
}

std::string numbered(const std::string& prefix, std::int64_t n) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(n));
  return prefix + digits;
}

std::string WriteTxn::take_number(Entity e, const std::string& prefix) {
  // Skip numbers an admin already used by hand (rows inserted with SQL bypass the counter).
  std::string number = numbered(prefix, next_number(e));
  while (number_taken(e, number)) number = numbered(prefix, next_number(e));
  return number;
}

void WriteTxn::commit_push(const std::string& device, std::vector<NewVerdict>& verdicts) {
  for (NewVerdict& v : verdicts) {
    if (v.rev_pending) v.result->rev = rev_of(v.entity, v.id);
    v.rev_pending = false;
    save_device_result(device, v.result->seq, {stored_verdict_json(*v.result), v.fingerprint});
  }
  commit();
}

// The SHA-256 of the JSON array [entity, id, op, base_rev, data], as nlohmann's compact dump
// writes it. It is written here piece by piece, so that the mutation's data is not copied into
// a new array first; the bytes are the same, so verdicts recorded by earlier servers still match.
std::string mutation_fingerprint(const Mutation& m) {
  std::string canonical = "[";
  canonical += json(entity_name(m.entity)).dump();
  canonical += ',';
  canonical += json(m.id).dump();
  canonical += m.op == Op::upsert ? ",\"upsert\"," : ",\"delete\",";
  canonical += m.base_rev ? std::to_string(*m.base_rev) : "null";
  canonical += ',';
  canonical += m.op == Op::upsert ? m.data.dump() : "null";
  canonical += ']';
  return sha256_hex(canonical);
}

namespace {

/// A recorded verdict, shown as a fresh one would be: conflicts and refused deletes carry the
/// record's current row and rev, not the ones they had when they were first judged.
MutationResult replayed(WriteTxn& txn, const Mutation& m, const std::string& stored) {
  MutationResult r = parse_mutation_result(json::parse(stored));
  bool refused_delete = r.status == Verdict::rejected && m.op == Op::remove;
  if (r.status == Verdict::conflict || refused_delete) {
    auto cur = txn.current(m.entity, m.id);
    r.server = cur && !cur->deleted ? cur->data : json(nullptr);
    if (r.status == Verdict::conflict) r.server_deleted = !cur || cur->deleted;
    if (cur) r.rev = cur->rev;
  }
  return r;
}

MutationResult forked(const Mutation& m) {
  MutationResult r;
  r.seq = m.seq;
  r.status = Verdict::device_forked;
  r.message = "seq " + std::to_string(m.seq) +
              " of this device was already used for a different change: the client database "
              "was restored from a backup or copied; take a new device id and send it again";
  return r;
}

}  // namespace

PushResponse apply_push(Storage& storage, const PushRequest& request) {
  PushResponse out;
  // Verdicts point into out.results, so it must never reallocate.
  out.results.reserve(request.mutations.size());
  try {
    auto txn = storage.begin_write();
    std::vector<std::pair<Entity, std::string>> records, parents;
    std::int64_t first_seq = request.mutations.empty() ? 0 : request.mutations.front().seq;
    for (const Mutation& m : request.mutations) {
      records.emplace_back(m.entity, m.id);
      first_seq = std::min(first_seq, m.seq);
      if (m.op != Op::upsert || !m.data.is_object()) continue;
      for (const FieldSpec& f : fields_of(m.entity)) {
        if (f.kind != FieldKind::reference || !f.references) continue;
        auto it = m.data.find(f.name);
        if (it != m.data.end() && it->is_string())
          parents.emplace_back(*f.references, it->get<std::string>());
      }
    }
    txn->set_author(request.device_id);  // record history names the device
    txn->prepare_batch(request.device_id, records, parents, first_seq);
    std::vector<WriteTxn::NewVerdict> fresh;
    std::map<std::pair<Entity, std::string>, std::size_t> pending;  // record -> its verdict
    std::int64_t max_seq = 0;
    for (const Mutation& m : request.mutations) {
      std::pair<Entity, std::string> key{m.entity, m.id};
      // Written again in this batch: the earlier verdict takes the rev of its own write.
      if (auto it = pending.find(key); it != pending.end()) {
        fresh[it->second].result->rev = txn->rev_of(m.entity, m.id);
        fresh[it->second].rev_pending = false;
        pending.erase(it);
      }
      std::string fingerprint = mutation_fingerprint(m);
      if (auto prior = txn->device_result(request.device_id, m.seq)) {
        // Verdicts recorded before fingerprints existed have none, and are trusted as before.
        bool same = prior->fingerprint.empty() || prior->fingerprint == fingerprint;
        out.results.push_back(same ? replayed(*txn, m, prior->result_json) : forked(m));
        continue;
      }
      bool rev_pending = false;
      out.results.push_back(judge(*txn, m, rev_pending));
      if (rev_pending) pending[key] = fresh.size();
      fresh.push_back({m.entity, m.id, &out.results.back(), std::move(fingerprint), rev_pending});
      max_seq = std::max(max_seq, m.seq);
    }
    out.device_max_seq = std::max(txn->device_max_seq(request.device_id), max_seq);
    txn->commit_push(request.device_id, fresh);
  } catch (const StorageUnavailable& e) {
    out.results.clear();
    out.device_max_seq = 0;
    for (const Mutation& m : request.mutations) {
      MutationResult r;
      r.seq = m.seq;
      r.status = Verdict::retry;
      r.message = std::string("storage busy, send again: ") + e.what();
      out.results.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace craftsync::server
