#pragma once
// API keys that a request found lately, so that the next request with the same key does not
// cost the database a round trip of its own (on PostgreSQL it was one of a push's three). An
// entry is trusted for `ttl` after its lookup; a key whose role changes or that is deleted by
// another process (`craftsync-server keys add`, psql, another instance) takes at most that long
// to change here. Keys that were not found are never kept: a wrong key always asks the
// database. At most kMaxEntries are kept; when full, the cache starts empty again.
//
// Threading: every member may be called from any thread.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "server/storage.hpp"

namespace craftsync::server {

class KeyCache {
 public:
  static constexpr std::size_t kMaxEntries = 4096;

  explicit KeyCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  /// The key found for `key_hash` less than ttl ago, if any.
  std::optional<Storage::KeyMatch> find(const std::string& key_hash);
  void put(const Storage::KeyMatch& key);

 private:
  struct Entry {
    Storage::KeyMatch key;
    std::chrono::steady_clock::time_point found_at;
  };
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace craftsync::server
