#include "core/client_config.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/dotenv.hpp"

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

std::vector<std::string> dotenv_paths() {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return {ec ? std::string(".env") : (cwd / ".env").string(), config_dir() + "/.env"};
}

namespace {

struct Found {
  std::string value, source;
};

void add_warning(std::string* warning, const std::string& w) {
  if (!warning || w.empty()) return;
  if (!warning->empty()) *warning += "; ";
  *warning += w;
}

/// The first source, in precedence order, that gives `name` a non-empty value.
Found lookup(const std::string& flag, const char* name, const std::string& from_file,
             const std::vector<std::pair<std::string, DotenvValues>>& dotenvs) {
  if (!flag.empty()) return {flag, "command line"};
  if (!env(name).empty()) return {env(name), "environment"};
  for (const auto& [path, values] : dotenvs) {
    auto it = values.find(name);
    if (it != values.end() && !it->second.empty()) return {it->second, ".env file (" + path + ")"};
  }
  if (!from_file.empty()) return {from_file, "config file"};
  return {};
}

std::vector<std::pair<std::string, DotenvValues>> read_dotenvs(std::string* warning) {
  std::vector<std::pair<std::string, DotenvValues>> out;
  for (const auto& path : dotenv_paths()) {
    std::string refused;
    if (auto values = read_dotenv_file(path, &refused)) out.emplace_back(path, std::move(*values));
    add_warning(warning, refused);
  }
  return out;
}

}  // namespace

RemoteConfig resolve_remote(const RemoteFlags& flags, std::string* warning) {
  std::string file_warning;
  ConfigFile file = read_config_file(&file_warning);
  auto dotenvs = read_dotenvs(warning);
  add_warning(warning, file_warning);
  RemoteConfig r;
  r.url = lookup(flags.url, "REMOTE_API_URL", file.remote_url, dotenvs).value;
  r.api_key = lookup(flags.api_key, "REMOTE_API_KEY", file.api_key, dotenvs).value;
  r.ca_file = !flags.ca_file.empty() ? flags.ca_file : file.ca_file;
  r.insecure = flags.insecure;
  if (flags.max_attempts) r.max_attempts = *flags.max_attempts;
  return r;
}

std::string remote_url_source(const RemoteFlags& flags) {
  std::string ignored;
  ConfigFile file = read_config_file(&ignored);
  return lookup(flags.url, "REMOTE_API_URL", file.remote_url, read_dotenvs(nullptr)).source;
}

}  // namespace craftsync
