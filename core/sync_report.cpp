#include "core/sync_report.hpp"

namespace craftsync {

using nlohmann::json;

std::string_view phase_name(SyncPhase p) {
  switch (p) {
    case SyncPhase::recovering:
      return "recovering";
    case SyncPhase::pulling:
      return "pulling";
    case SyncPhase::pushing:
      return "pushing";
    case SyncPhase::done:
      return "done";
  }
  return "";
}

std::optional<Direction> parse_direction(std::string_view s) {
  if (s == "both") return Direction::both;
  if (s == "push") return Direction::push;
  if (s == "pull") return Direction::pull;
  return std::nullopt;
}

std::string_view direction_name(Direction d) {
  return d == Direction::push ? "push" : d == Direction::pull ? "pull" : "both";
}

json SyncReport::to_json() const {
  json j = {{"ok", ok},
            {"pulled", pulled},
            {"pushed", pushed},
            {"merged", merged},
            {"conflicts", conflicts},
            {"rejected", rejected},
            {"retried", retried},
            {"skipped", skipped},
            {"held", held},
            {"pages", pages},
            {"bytes", bytes},
            {"duration_ms", duration_ms},
            {"resynced", resynced},
            {"run_id", run_id},
            {"cancelled", cancelled},
            {"forks", forks}};
  if (!error.empty()) j["error"] = error;
  if (!notice.empty()) j["notice"] = notice;
  return j;
}

json StatusReport::to_json() const {
  json forked = nullptr;
  if (!fork.at.empty())
    forked = {{"at", fork.at},
              {"previous_device_id", fork.previous_device_id},
              {"reason", fork.reason},
              {"count", fork.count},
              {"message",
               "this database was restored from a backup or copied; it syncs as a "
               "new device since " +
                   fork.at}};
  json refused = json::array();
  for (const auto& r : rejected_records)
    refused.push_back({{"entity", entity_name(r.entity)}, {"id", r.id}, {"errors", r.errors}});
  return {{"device_id", device_id},
          {"device_forked", forked},
          {"rejected_records", refused},
          {"last_sync_at", last_sync_at.empty() ? json(nullptr) : json(last_sync_at)},
          {"last_attempt_at", last_attempt_at.empty() ? json(nullptr) : json(last_attempt_at)},
          {"last_error", last_error.empty() ? json(nullptr) : json(last_error)},
          {"pending", pending},
          {"outbox", outbox},
          {"open_conflicts", open_conflicts},
          {"rejected", rejected},
          {"records", {{"customers", records[0]}, {"quotes", records[1]}, {"orders", records[2]}}},
          {"stats",
           {{"total", stats.total},
            {"success", stats.success},
            {"failed", stats.failed},
            {"pushed", stats.pushed},
            {"pulled", stats.pulled},
            {"merged", stats.merged},
            {"conflicts", stats.conflicts}}}};
}

json ConnectionReport::to_json() const {
  json j = {
      {"reachable", reachable},           {"authenticated", authenticated}, {"role", role},
      {"server_version", server_version}, {"protocol", protocol},           {"backend", backend},
      {"round_trip_ms", round_trip_ms},   {"clock_skew_ms", clock_skew_ms}};
  if (!error.empty()) j["error"] = error;
  return j;
}

}  // namespace craftsync
