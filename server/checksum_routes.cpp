// GET /api/v1/checksums: the digests `craftsync verify` compares (docs/protocol.md,
// "Checksums"). Without `expand`, one count and digest per non-empty bucket; with it, the
// records of the buckets named, so that a client drills down from buckets to ids.
#include "server/route_groups.hpp"
#include "server/router.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "core/protocol.hpp"
#include "core/record_digest.hpp"
#include "server/http_util.hpp"

namespace craftsync::server {
namespace {

/// At most this many buckets expanded per request; a client asks again for more.
constexpr std::size_t kMaxExpand = 256;

std::int64_t int_value(std::string_view text) {
  std::int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return -1;
  return v;
}

Entity entity_param(const HttpRequest& req) {
  if (!req.has_param("entity"))
    throw ProtocolError("invalid_request", "entity is required (customers, quotes or orders)");
  std::string name = req.param("entity");
  auto e = parse_entity(name);
  if (!e) throw ProtocolError("unknown_entity", "unknown entity '" + name.substr(0, 64) + "'");
  return *e;
}

std::uint32_t buckets_param(const HttpRequest& req) {
  if (!req.has_param("buckets")) return 256;
  std::int64_t n = int_value(req.param("buckets"));
  if (!valid_bucket_count(n))
    throw ProtocolError("invalid_buckets", "buckets must be a power of two from 1 to 65536");
  return static_cast<std::uint32_t>(n);
}

/// The bucket numbers of `expand`, sorted and unique; empty when absent.
std::vector<std::uint32_t> expand_param(const HttpRequest& req, std::uint32_t buckets) {
  std::vector<std::uint32_t> out;
  if (!req.has_param("expand")) return out;
  std::string list = req.param("expand");
  std::string_view rest = list;
  while (true) {
    auto comma = rest.find(',');
    std::int64_t b = int_value(rest.substr(0, comma));
    if (b < 0 || b >= buckets)
      throw ProtocolError("invalid_buckets",
                          "expand lists bucket numbers below buckets, separated by commas");
    out.push_back(static_cast<std::uint32_t>(b));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > kMaxExpand)
    throw ProtocolError("invalid_buckets", "expand names at most 256 buckets per request");
  return out;
}

std::string head_fields(Entity e, std::uint32_t buckets, std::int64_t head, std::int64_t count) {
  return "{\"entity\":\"" + std::string(entity_name(e)) +
         "\",\"buckets\":" + std::to_string(buckets) + ",\"head\":" + std::to_string(head) +
         ",\"count\":" + std::to_string(count);
}

void answer_buckets(Storage& storage, Entity e, std::uint32_t buckets, HttpResponse& res) {
  BucketSums sums(buckets);
  std::int64_t count = 0;
  std::int64_t head = storage.scan_rows(e, [&](std::string_view id, std::int64_t rev,
                                               std::span<const std::optional<std::string_view>> v) {
    sums.add(digest_bucket(id, buckets), record_digest(id, rev, v));
    ++count;
  });
  std::string body = head_fields(e, buckets, head, count) + ",\"checksums\":[";
  bool first = true;
  for (std::uint32_t b = 0; b < buckets; ++b) {
    if (sums.count[b] == 0) continue;
    if (!first) body += ',';
    first = false;
    body += "{\"bucket\":" + std::to_string(b) + ",\"count\":" + std::to_string(sums.count[b]) +
            ",\"digest\":\"" + digest_hex(sums.digest[b]) + "\"}";
  }
  body += "]}";
  send_raw_json(res, 200, std::move(body));
}

void answer_records(Storage& storage, Entity e, std::uint32_t buckets,
                    const std::vector<std::uint32_t>& expand, HttpResponse& res) {
  std::vector<std::tuple<std::uint32_t, std::string, std::int64_t, std::uint64_t>> records;
  std::int64_t count = 0;
  std::int64_t head = storage.scan_rows(e, [&](std::string_view id, std::int64_t rev,
                                               std::span<const std::optional<std::string_view>> v) {
    ++count;
    std::uint32_t b = digest_bucket(id, buckets);
    if (std::binary_search(expand.begin(), expand.end(), b))
      records.emplace_back(b, std::string(id), rev, record_digest(id, rev, v));
  });
  std::sort(records.begin(), records.end());
  std::string body = head_fields(e, buckets, head, count) + ",\"records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& [b, id, rev, digest] = records[i];
    if (i) body += ',';
    body += "{\"bucket\":" + std::to_string(b) + ",\"id\":";
    append_json_string(body, id);
    body += ",\"rev\":" + std::to_string(rev) + ",\"digest\":\"" + digest_hex(digest) + "\"}";
  }
  body += "]}";
  send_raw_json(res, 200, std::move(body));
}

}  // namespace

void install_checksum_routes(Router& svr, Storage& storage) {
  svr.add("GET", "/api/v1/checksums", Role::read, [&storage](HttpRequest& req, HttpResponse& res) {
    Entity e = entity_param(req);
    std::uint32_t buckets = buckets_param(req);
    std::vector<std::uint32_t> expand = expand_param(req, buckets);
    if (expand.empty())
      answer_buckets(storage, e, buckets, res);
    else
      answer_records(storage, e, buckets, expand, res);
  });
}

}  // namespace craftsync::server
