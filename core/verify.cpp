#include "core/verify.hpp"

#include <algorithm>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/entity_sql.hpp"
#include "core/http_client.hpp"
#include "core/record_digest.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"
#include "core/sync_state.hpp"

namespace craftsync {
namespace {

using nlohmann::json;

/// Records per bucket the first request aims for: small enough that expanding one bucket costs
/// a few kilobytes, large enough that the bucket list stays well under 1% of a full pull.
constexpr std::int64_t kPerBucket = 128;
/// Buckets named per expand request (the server's cap).
constexpr std::size_t kExpandBatch = 256;

struct LocalRecord {
  std::string id;
  std::int64_t rev = 0;
  std::uint64_t digest = 0;
  bool pending = false;
  bool has_row = true;
};

std::uint32_t buckets_for(std::int64_t records) {
  std::uint32_t n = 16;
  while (n < kMaxDigestBuckets && static_cast<std::int64_t>(n) * kPerBucket < records) n *= 2;
  return n;
}

/// Every local record of the entity: its rows with their revs and states, and the records that
/// have sync state but no row (a pending delete, or a row removed behind the engine's back).
std::vector<LocalRecord> local_records(SqliteConn& db, Entity e, std::int64_t& rows) {
  // Two scans in id order, merged here: faster than a seek into sync_metadata per row.
  std::vector<LocalRecord> out;
  std::string name(entity_name(e));
  // A row without bookkeeping is synced at the rev it carries (last column).
  auto st = db.prepare("SELECT " + column_list(e) + ", coalesce(" + kRowRevColumn + ", 0) FROM " +
                       name + " ORDER BY id");
  auto meta = db.prepare(
      "SELECT entity_id, coalesce(remote_version, 0), state FROM sync_metadata "
      "WHERE entity_type = ?1 ORDER BY entity_id");
  meta.bind(1, std::string_view(name));
  bool more = meta.step();
  // Records with sync state but no row: a pending delete, or a row removed behind our back.
  auto without_row = [&](std::string_view before) {
    for (; more && (before.empty() || meta.view_at(0) < before); more = meta.step()) {
      LocalRecord r;
      r.id = meta.text_at(0);
      r.pending = meta.view_at(2) != "synced";
      r.has_row = false;
      out.push_back(std::move(r));
    }
  };
  std::vector<std::optional<std::string_view>> values(fields_of(e).size());
  rows = 0;
  while (st.step()) {
    ++rows;
    LocalRecord r;
    r.id = st.text_at(0);
    without_row(r.id);
    r.rev = st.int_at(static_cast<int>(values.size()) + 1);
    if (more && meta.view_at(0) == r.id) {
      r.rev = meta.int_at(1);
      r.pending = meta.view_at(2) != "synced";
      more = meta.step();
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
      int col = static_cast<int>(i) + 1;
      values[i] = st.is_null(col) ? std::nullopt : std::optional(st.view_at(col));
    }
    r.digest = record_digest(r.id, r.rev, values);
    out.push_back(std::move(r));
  }
  without_row("");
  return out;
}

json fetch(HttpClient& http, const std::string& path, VerifyCost& cost) {
  HttpResponse r = http.get(path);
  ++cost.requests;
  cost.bytes += static_cast<std::int64_t>(r.body.size());
  try {
    return json::parse(r.body);
  } catch (const json::exception&) {
    throw RemoteError("the server's answer to " + path.substr(0, path.find('?')) + " is not JSON");
  }
}

std::int64_t int_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer())
    throw RemoteError(std::string("the server's checksums lack an integer \"") + key + "\"");
  return it->get<std::int64_t>();
}

std::string text_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw RemoteError(std::string("the server's checksums lack a string \"") + key + "\"");
  return it->get<std::string>();
}

std::uint64_t digest_field(const json& j) {
  auto d = parse_digest_hex(text_field(j, "digest"));
  if (!d) throw RemoteError("the server's checksums hold a digest that is not 16 hex digits");
  return *d;
}

}  // namespace

std::int64_t entity_cursor(SqliteConn& db, Entity e) {
  auto st = db.prepare("SELECT cursor FROM cursors WHERE entity_type = ?1");
  st.bind(1, entity_name(e));
  return st.step() ? std::stoll(st.text_at(0)) : 0;
}

EntityCheck verify_entity(const SyncStep& step, Entity e, VerifyCost& cost) {
  EntityCheck check;
  check.entity = e;
  std::vector<LocalRecord> local = local_records(step.db, e, check.local);
  for (const auto& r : local) check.pending += r.pending;

  const std::string base = "/api/v1/checksums?entity=" + std::string(entity_name(e));
  std::uint32_t buckets = buckets_for(check.local);
  json answer = fetch(step.http, base + "&buckets=" + std::to_string(buckets), cost);
  check.server = int_field(answer, "count");
  // A server with many more records than this database (a new or emptied one) gets buckets
  // sized for its count, so that expanding one stays cheap.
  if (std::uint32_t wanted = buckets_for(check.server); wanted > buckets) {
    buckets = wanted;
    answer = fetch(step.http, base + "&buckets=" + std::to_string(buckets), cost);
    check.server = int_field(answer, "count");
  }
  check.server_head = int_field(answer, "head");
  if (int_field(answer, "buckets") != buckets)
    throw RemoteError("the server answered checksums for another bucket count");

  // This side's sums, over the records without pending changes; a bucket holding a pending
  // record is always expanded, since the server's digest covers that record as it stands there.
  BucketSums mine(buckets);
  std::vector<char> must_expand(buckets, 0);
  std::vector<std::vector<std::uint32_t>> in_bucket(buckets);
  for (std::uint32_t i = 0; i < local.size(); ++i) {
    const LocalRecord& r = local[i];
    std::uint32_t b = digest_bucket(r.id, buckets);
    in_bucket[b].push_back(i);
    if (r.pending)
      must_expand[b] = 1;
    else if (r.has_row)
      mine.add(b, r.digest);
  }
  BucketSums theirs(buckets);
  auto list_it = answer.find("checksums");
  if (list_it == answer.end() || !list_it->is_array())
    throw RemoteError("the server's checksums lack a \"checksums\" list");
  const json& list = *list_it;
  for (const json& c : list) {
    std::int64_t b = int_field(c, "bucket");
    if (b < 0 || b >= buckets)
      throw RemoteError("the server's checksums name a bucket out of range");
    theirs.count[static_cast<std::size_t>(b)] = int_field(c, "count");
    theirs.digest[static_cast<std::size_t>(b)] = digest_field(c);
  }
  std::vector<std::uint32_t> differing;
  for (std::uint32_t b = 0; b < buckets; ++b) {
    if (must_expand[b] || mine.count[b] != theirs.count[b] || mine.digest[b] != theirs.digest[b])
      differing.push_back(b);
  }
  cost.buckets += buckets;
  cost.expanded += static_cast<std::int64_t>(differing.size());

  std::int64_t cursor = entity_cursor(step.db, e);
  std::unordered_map<std::string_view, std::uint32_t> by_id;
  for (std::size_t start = 0; start < differing.size(); start += kExpandBatch) {
    std::size_t end = std::min(differing.size(), start + kExpandBatch);
    std::string expand;
    by_id.clear();
    for (std::size_t k = start; k < end; ++k) {
      if (!expand.empty()) expand += ',';
      expand += std::to_string(differing[k]);
      for (std::uint32_t i : in_bucket[differing[k]]) by_id.emplace(local[i].id, i);
    }
    json page =
        fetch(step.http, base + "&buckets=" + std::to_string(buckets) + "&expand=" + expand, cost);
    auto records_it = page.find("records");
    if (records_it == page.end() || !records_it->is_array())
      throw RemoteError("the server's record digests lack a \"records\" list");
    const json& records = *records_it;
    std::vector<char> seen(local.size(), 0);
    for (const json& rec : records) {
      std::string id = text_field(rec, "id");
      std::int64_t rev = int_field(rec, "rev");
      std::uint64_t digest = digest_field(rec);
      auto it = by_id.find(id);
      if (it != by_id.end()) seen[it->second] = 1;
      const LocalRecord* mine_rec = it == by_id.end() ? nullptr : &local[it->second];
      if (mine_rec && mine_rec->pending) continue;
      // Written on the server after this database's cursor: the next pull brings it.
      if (rev > cursor && (!mine_rec || mine_rec->rev < rev)) continue;
      if (!mine_rec || !mine_rec->has_row)
        check.missing_locally.push_back(id);
      else if (mine_rec->digest != digest)
        check.differ.push_back(id);
    }
    for (const auto& [id, i] : by_id) {
      const LocalRecord& r = local[i];
      if (!seen[i] && !r.pending && r.has_row) check.missing_on_server.push_back(r.id);
    }
  }
  for (auto* ids : {&check.missing_locally, &check.missing_on_server, &check.differ})
    std::sort(ids->begin(), ids->end());
  return check;
}

std::int64_t repair_entity(const SyncStep& step, const EntityCheck& check, VerifyCost& cost) {
  Entity e = check.entity;
  const std::string path = "/api/v1/" + std::string(entity_name(e)) + "/";
  struct Fetched {
    std::string id;
    std::optional<json> row;  // nullopt: the server no longer has it
    std::int64_t rev = 0;
  };
  std::vector<Fetched> fetched;
  for (const auto* ids : {&check.missing_locally, &check.differ}) {
    for (const std::string& id : *ids) {
      Fetched f{id, std::nullopt, 0};
      try {
        json row = fetch(step.http, path + id, cost);
        if (!row.is_object()) throw RemoteError("the server's record " + id + " is not an object");
        f.rev = int_field(row, "rev");
        f.row = std::move(row);
      } catch (const RemoteError& err) {
        if (err.status() != 404) throw;
      }
      fetched.push_back(std::move(f));
    }
  }
  for (const std::string& id : check.missing_on_server) fetched.push_back({id, std::nullopt, 0});

  std::int64_t changed = 0;
  SqliteTxn txn(step.db);
  std::string now = utc_now_iso();
  const std::string upsert_sql = upsert_row_sql(e, '?');
  for (const Fetched& f : fetched) {
    if (!f.row) {
      std::string state = step.store.sync().state_of(e, f.id);
      if (!state.empty() && state != "synced") continue;  // pending since the check: leave it
      auto drop = step.db.prepare(delete_row_sql(e, '?'));
      drop.bind(1, std::string_view(f.id));
      drop.run();
      auto meta = step.db.prepare(
          "DELETE FROM sync_metadata WHERE entity_type = ?1 AND entity_id = ?2 AND state = "
          "'synced'");
      meta.bind(1, entity_name(e)).bind(2, std::string_view(f.id));
      meta.run();
      ++changed;
      continue;
    }
    // As a pull applies a change in a resync: whatever rev this side had (it may even be newer,
    // on a record damaged by hand), unless the record has pending changes.
    if (!step.store.sync().take_remote(e, f.id, f.rev, now, true)) continue;
    auto bind = [&](SqliteStmt& st) {
      st.bind(1, std::string_view(f.id));
      int i = 2;
      for (const FieldSpec& field : fields_of(e)) {
        auto it = f.row->find(field.name);
        if (it == f.row->end() || it->is_null())
          st.bind_null(i);
        else if (it->is_string())
          st.bind(i, std::string_view(it->get_ref<const std::string&>()));
        else
          throw RemoteError("the server's record " + f.id + " has a field that is not text");
        ++i;
      }
    };
    auto upsert = step.db.prepare(upsert_sql);
    bind(upsert);
    upsert.run();
    ++changed;
  }
  txn.commit();
  return changed;
}

}  // namespace craftsync
