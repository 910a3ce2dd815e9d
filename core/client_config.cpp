#include "core/client_config.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace craftsync {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string home() {
  std::string h = env("HOME");
  return h.empty() ? "/tmp" : h;
}

}  // namespace

std::string config_dir() {
  std::string base = env("XDG_CONFIG_HOME");
  if (base.empty()) base = home() + "/.config";
  return base + "/craftsync";
}

std::string config_file_path() {
  return config_dir() + "/config.json";
}

std::string default_db_path() {
  std::string db = env("CRAFTSYNC_DB");
  if (!db.empty()) return db;
  std::string base = env("XDG_DATA_HOME");
  if (base.empty()) base = home() + "/.local/share";
  return base + "/craftsync/craftsync.db";
}

ConfigFile read_config_file(std::string* warning) {
  ConfigFile c;
  std::string path = config_file_path();
  std::ifstream in(path);
  if (!in) return c;
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    if (warning) *warning = path + " is not a JSON object; ignoring it";
    return c;
  }
  auto str = [&](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
  };
  c.remote_url = str("remote_url");
  c.ca_file = str("ca_file");
  std::string key = str("api_key");
  struct stat st {};
  if (!key.empty() && stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    if (warning)
      *warning = path + " is readable by other users; ignoring the key in it (chmod 600 it)";
  } else {
    c.api_key = key;
  }
  return c;
}

void write_config_file(const ConfigFile& c) {
  std::filesystem::create_directories(config_dir());
  std::filesystem::permissions(config_dir(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  nlohmann::json j = {{"remote_url", c.remote_url}, {"api_key", c.api_key}};
  if (!c.ca_file.empty()) j["ca_file"] = c.ca_file;
  std::string path = config_file_path(), tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    std::filesystem::permissions(
        tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
    out << j.dump(2) << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

RemoteConfig resolve_remote(const RemoteFlags& flags, std::string* warning) {
  ConfigFile file = read_config_file(warning);
  RemoteConfig r;
  r.url = !flags.url.empty()               ? flags.url
          : !env("REMOTE_API_URL").empty() ? env("REMOTE_API_URL")
                                           : file.remote_url;
  r.api_key = !flags.api_key.empty()           ? flags.api_key
              : !env("REMOTE_API_KEY").empty() ? env("REMOTE_API_KEY")
                                               : file.api_key;
  r.ca_file = !flags.ca_file.empty() ? flags.ca_file : file.ca_file;
  r.insecure = flags.insecure;
  if (flags.max_attempts) r.max_attempts = *flags.max_attempts;
  return r;
}

}  // namespace craftsync
