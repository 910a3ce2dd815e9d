#include "server/metrics.hpp"

#include <algorithm>
#include <cstdio>

#include "server/http_util.hpp"

namespace craftsync::server {
namespace {

constexpr Verdict kVerdicts[] = {Verdict::applied, Verdict::conflict, Verdict::rejected,
                                 Verdict::retry, Verdict::device_forked};

/// A label value: backslash, quote and newline escaped, as the exposition format wants.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Metrics::request(const std::string& route, int status, std::chrono::nanoseconds took) {
  double s = std::chrono::duration<double>(took).count();
  std::lock_guard lock(mu_);
  RouteStats& r = routes_[route];
  ++r.by_status[status];
  std::size_t b = 0;
  while (b < kBuckets.size() && s > kBuckets[b]) ++b;
  ++r.buckets[b];
  r.sum_seconds += s;
  ++r.count;
}

void Metrics::verdict(Verdict v) {
  ++verdicts_[static_cast<std::size_t>(v)];
}

void Metrics::pulled_from(const std::string& device, std::int64_t cursor) {
  if (device.empty() || device.size() > 200) return;
  std::lock_guard lock(mu_);
  auto it = devices_.find(device);
  if (it == devices_.end() && devices_.size() >= kMaxDevices) {
    auto stalest = std::min_element(devices_.begin(), devices_.end(),
                                    [](auto& a, auto& b) { return a.second.seen < b.second.seen; });
    devices_.erase(stalest);
  }
  devices_[device] = {cursor, ++device_clock_};
}

std::string Metrics::render(Storage& storage, std::size_t open_connections, std::size_t held_now) {
  std::int64_t head = storage.head_rev();
  Storage::PoolUse pool = storage.pool_use();
  std::string out;
  {
    std::lock_guard lock(mu_);
    header(out, "craftsync_http_requests_total", "counter",
           "Requests answered, by route and status.");
    for (const auto& [route, r] : routes_)
      for (const auto& [status, n] : r.by_status)
        out += "craftsync_http_requests_total{route=\"" + label(route) + "\",status=\"" +
               std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    header(out, "craftsync_http_request_duration_seconds", "histogram",
           "Time from a request's first byte to its answer written, by route.");
    for (const auto& [route, r] : routes_) {
      std::uint64_t cumulative = 0;
      std::string l = "route=\"" + label(route) + "\"";
      for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
        cumulative += r.buckets[b];
        std::string le = b < kBuckets.size() ? number(kBuckets[b]) : "+Inf";
        out += "craftsync_http_request_duration_seconds_bucket{" + l + ",le=\"" + le + "\"} " +
               std::to_string(cumulative) + "\n";
      }
      out +=
          "craftsync_http_request_duration_seconds_sum{" + l + "} " + number(r.sum_seconds) + "\n";
      out += "craftsync_http_request_duration_seconds_count{" + l + "} " + std::to_string(r.count) +
             "\n";
    }
    header(out, "craftsync_device_lag_revs", "gauge",
           "The change-log head minus the cursor a device last pulled from.");
    for (const auto& [device, d] : devices_)
      out += "craftsync_device_lag_revs{device=\"" + label(device) + "\"} " +
             std::to_string(std::max<std::int64_t>(head - d.cursor, 0)) + "\n";
  }
  header(out, "craftsync_mutations_total", "counter", "Pushed mutations, by verdict.");
  for (Verdict v : kVerdicts)
    out += "craftsync_mutations_total{verdict=\"" + std::string(verdict_name(v)) + "\"} " +
           std::to_string(verdicts_[static_cast<std::size_t>(v)].load()) + "\n";
  header(out, "craftsync_open_connections", "gauge", "HTTP connections open now.");
  out += "craftsync_open_connections " + std::to_string(open_connections) + "\n";
  header(out, "craftsync_held_pulls", "gauge", "Pulls held now, waiting for a change.");
  out += "craftsync_held_pulls " + std::to_string(held_now) + "\n";
  header(out, "craftsync_held_pulls_total", "counter",
         "Held pulls that ended, woken by a change or at their deadline.");
  out +=
      "craftsync_held_pulls_total{outcome=\"woken\"} " + std::to_string(held_woken_.load()) + "\n";
  out += "craftsync_held_pulls_total{outcome=\"deadline\"} " +
         std::to_string(held_timed_out_.load()) + "\n";
  header(out, "craftsync_change_log_head", "gauge", "The newest rev in the change log.");
  out += "craftsync_change_log_head " + std::to_string(head) + "\n";
  header(out, "craftsync_db_pool_connections", "gauge",
         "Database connections: the pool's size, those open, and those in use.");
  out += "craftsync_db_pool_connections{state=\"size\"} " + std::to_string(pool.size) + "\n";
  out += "craftsync_db_pool_connections{state=\"open\"} " + std::to_string(pool.open) + "\n";
  out += "craftsync_db_pool_connections{state=\"in_use\"} " + std::to_string(pool.in_use) + "\n";
  if (pool.round_trips) {
    header(out, "craftsync_db_round_trips_total", "counter",
           "Round trips to the database server on the pool's connections.");
    out += "craftsync_db_round_trips_total " + std::to_string(*pool.round_trips) + "\n";
  }
  return out;
}

}  // namespace craftsync::server
