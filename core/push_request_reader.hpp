#pragma once
// Reads a push request body with simdjson: the server's fast path for the bodies clients send.
// It takes only what parse_push_request(json) would take, and gives the same request; for
// anything else (malformed JSON, a wrong type, an unknown key, a duplicate, a value out of
// range) it gives nothing, and the caller parses the body the slow way, which says what is
// wrong. tests/codec_test.cpp checks both paths against each other.
//
// Threading: one reader per thread.

#include <memory>
#include <optional>
#include <string_view>

#include "core/protocol.hpp"

namespace craftsync {

class PushRequestReader {
 public:
  PushRequestReader();
  ~PushRequestReader();
  PushRequestReader(const PushRequestReader&) = delete;
  PushRequestReader& operator=(const PushRequestReader&) = delete;

  std::optional<PushRequest> read(std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace craftsync
