#include "server/key_cache.hpp"

namespace craftsync::server {

std::optional<Storage::KeyMatch> KeyCache::find(const std::string& key_hash) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key_hash);
  if (it == entries_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.found_at >= ttl_) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.key;
}

void KeyCache::put(const Storage::KeyMatch& key) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries && !entries_.count(key.hash)) entries_.clear();
  entries_[key.hash] = Entry{key, std::chrono::steady_clock::now()};
}

}  // namespace craftsync::server
