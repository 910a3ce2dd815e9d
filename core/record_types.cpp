#include "core/record_types.hpp"

namespace craftsync {
namespace {
constexpr std::string_view kPendingMark = "-PENDING-";
}

std::string provisional_number(Entity e, const std::string& id) {
  return std::string(number_prefix(e)) + std::string(kPendingMark) + id.substr(id.size() - 8);
}

bool is_provisional_number(std::string_view number) {
  return number.find(kPendingMark) != std::string_view::npos;
}

nlohmann::json with_sync_info(const nlohmann::json& row, const RecordSync& s) {
  using nlohmann::json;
  json out = row;
  out["_sync"] = {
      {"state", s.state},
      {"local_version", s.local_version},
      {"remote_version", s.remote_version ? json(*s.remote_version) : json(nullptr)},
      {"last_synced_at", s.last_synced_at.empty() ? json(nullptr) : json(s.last_synced_at)},
      {"provisional_number", s.provisional_number}};
  if (!s.errors.empty()) out["_sync"]["errors"] = s.errors;
  return out;
}

}  // namespace craftsync
