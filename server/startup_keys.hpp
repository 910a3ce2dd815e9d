#pragma once
// The admin keys the server makes sure exist at start: from --api-key-file (one key per line),
// from $CRAFTSYNC_API_KEY, or from --api-key (which works, but shows the key in
// /proc/PID/cmdline, so it warns). Each must be at least kMinApiKeyLength characters.
// Pure functions over the file system; thread-safe.

#include <cstddef>
#include <string>
#include <vector>

namespace craftsync::server {

inline constexpr std::size_t kMinApiKeyLength = 16;

struct StartupKey {
  std::string key;
  std::string label;  // where it came from: "--api-key-file", "CRAFTSYNC_API_KEY", "--api-key"
};

/// Throws std::runtime_error naming `source` when the key is too short or has blanks in it.
void check_api_key(const std::string& key, const std::string& source);

/// The keys in `path`, one per line; blank lines and lines starting with '#' are skipped.
/// Throws (one line) for a missing file, a file that others may read, or a file without keys.
std::vector<std::string> read_api_key_file(const std::string& path);

/// All startup keys, checked: the file's, the environment's, the flag's (in that order).
std::vector<StartupKey> collect_startup_keys(const std::string& key_file,
                                             const std::string& env_key,
                                             const std::string& flag_key);

}  // namespace craftsync::server
