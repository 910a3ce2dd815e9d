#pragma once
// Parses a /changes page without building a DOM per record (simdjson on-demand). The whole
// page is checked before anything is returned, so a page with one bad change is refused
// whole. Views point into the parser's buffers and stay valid until the next parse().
//
// Threading: one parser per thread.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {

inline constexpr std::size_t kMaxEntityFields = 12;

struct PulledChange {
  Entity entity = Entity::customers;
  std::string_view id;
  std::int64_t rev = 0;
  bool deleted = false;
  /// Values in fields_of(entity) order; nullopt is JSON null or absent.
  std::array<std::optional<std::string_view>, kMaxEntityFields> values{};

  nlohmann::json to_row() const;  // {"id":..., field: value|null, ...}
};

struct PulledPage {
  std::vector<PulledChange> changes;
  std::string next;
  bool has_more = false;
  std::int64_t head = 0;
  bool has_head = false;   // the server sent "head" (older or other servers may not)
  std::int64_t epoch = 0;  // the server's restore epoch: 0, or the rev its history restarted at
};

class PageParser {
 public:
  PageParser();
  ~PageParser();
  PageParser(const PageParser&) = delete;
  PageParser& operator=(const PageParser&) = delete;

  /// `body` may be grown to add the padding the parser needs. Throws ProtocolError
  /// ("bad_response") with a one-line reason.
  const PulledPage& parse(std::string& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  PulledPage page_;
};

}  // namespace craftsync
