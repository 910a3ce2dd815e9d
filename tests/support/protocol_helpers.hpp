#pragma once
// Builders for protocol-level requests in tests.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/uuid.hpp"
#include "tests/support/http.hpp"

namespace craftsync::test {

using nlohmann::json;

inline json customer_data(const std::string& name, const std::string& city = "Portland") {
  return {{"name", name}, {"email", "someone@example.com"}, {"city", city}, {"state", "OR"}};
}

inline json quote_data(const std::string& customer_id, const std::string& amount = "100.00",
                       const std::string& status = "draft") {
  return {{"customer_id", customer_id}, {"total_amount", amount}, {"status", status}};
}

inline json order_data(const std::string& quote_id, const std::string& customer_id) {
  return {{"quote_id", quote_id}, {"customer_id", customer_id}};
}

inline json upsert(std::int64_t seq, const std::string& entity, const std::string& id,
                   std::optional<std::int64_t> base_rev, json data) {
  return {{"seq", seq},
          {"entity", entity},
          {"id", id},
          {"op", "upsert"},
          {"base_rev", base_rev ? json(*base_rev) : json(nullptr)},
          {"data", std::move(data)}};
}

inline json remove(std::int64_t seq, const std::string& entity, const std::string& id,
                   std::optional<std::int64_t> base_rev) {
  return {{"seq", seq},
          {"entity", entity},
          {"id", id},
          {"op", "delete"},
          {"base_rev", base_rev ? json(*base_rev) : json(nullptr)}};
}

inline HttpAnswer push(HttpClient& http, const std::string& device, json mutations) {
  return http.post("/api/v1/push", {{"device_id", device}, {"mutations", std::move(mutations)}});
}

/// Pulls every page from `cursor`; returns all changes in arrival order.
inline std::vector<json> pull_all(HttpClient& http, std::string cursor = "0", int limit = 1000,
                                  const std::string& entities = "") {
  std::vector<json> all;
  for (;;) {
    std::string path = "/api/v1/changes?after=" + cursor + "&limit=" + std::to_string(limit);
    if (!entities.empty()) path += "&entities=" + entities;
    auto a = http.get(path);
    if (a.status != 200)
      throw std::runtime_error("pull failed: " + std::to_string(a.status) + " " + a.body);
    json page = a.json();
    for (auto& c : page["changes"]) all.push_back(c);
    cursor = page["next"].get<std::string>();
    if (!page["has_more"].get<bool>()) return all;
  }
}

inline std::int64_t head_rev(HttpClient& http) {
  return http.get("/api/v1/session").json()["head"];
}

}  // namespace craftsync::test
