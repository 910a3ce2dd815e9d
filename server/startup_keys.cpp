#include "server/startup_keys.hpp"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

namespace craftsync::server {

void check_api_key(const std::string& key, const std::string& source) {
  if (key.size() < kMinApiKeyLength)
    throw std::runtime_error("the API key from " + source + " is " + std::to_string(key.size()) +
                             " characters; keys need at least " + std::to_string(kMinApiKeyLength) +
                             " (craftsync-server keys add makes a good one)");
  if (key.find_first_of(" \t\r\n") != std::string::npos)
    throw std::runtime_error("the API key from " + source + " contains a blank");
}

std::vector<std::string> read_api_key_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot read the API key file " + path);
  if ((st.st_mode & S_IROTH) != 0)
    throw std::runtime_error("the API key file " + path +
                             " is readable by every user; chmod o-r it (0600 or 0640)");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the API key file " + path);
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    keys.push_back(line.substr(start));
  }
  if (keys.empty()) throw std::runtime_error("the API key file " + path + " holds no key");
  return keys;
}

std::vector<StartupKey> collect_startup_keys(const std::string& key_file,
                                             const std::string& env_key,
                                             const std::string& flag_key) {
  std::vector<StartupKey> out;
  if (!key_file.empty())
    for (auto& k : read_api_key_file(key_file)) out.push_back({std::move(k), "--api-key-file"});
  if (!env_key.empty()) out.push_back({env_key, "CRAFTSYNC_API_KEY"});
  if (!flag_key.empty()) out.push_back({flag_key, "--api-key"});
  for (const auto& k : out)
    check_api_key(k.key, k.label == "--api-key-file" ? "--api-key-file " + key_file : k.label);
  return out;
}

}  // namespace craftsync::server
