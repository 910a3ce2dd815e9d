// The files a client and a server read or make on this machine: `.env` (the dotenv format and
// its edge cases, where it is looked for, which source wins), the local database's modes, and
// the server's startup keys.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "core/client_config.hpp"
#include "core/dotenv.hpp"
#include "core/sync_engine.hpp"
#include "server/startup_keys.hpp"
#include "tests/support/server_process.hpp"

using namespace craftsync;
using craftsync::test::TempDir;

namespace {

void write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::trunc) << text;
  chmod(path.c_str(), mode);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

/// Sets (or, with nullptr, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// Runs a scope in another working directory.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::filesystem::path& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~ScopedCwd() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

}  // namespace

TEST_CASE("dotenv: plain, exported, quoted and commented values", "[dotenv]") {
  auto v = parse_dotenv(
      "# a comment line\n"
      "\n"
      "PLAIN=https://sync.example.com\n"
      "  SPACED  =  value with spaces   \n"
      "export EXPORTED=yes\n"
      "export\tTABBED=also\n"
      "TRAILING=abc # a comment\n"
      "HASH_IN_WORD=a#b\n"
      "EMPTY=\n"
      "EMPTY_COMMENT= # nothing here\n"
      "SINGLE='literal \\n $HOME # kept'\n"
      "DOUBLE=\"tab\\there \\\"quoted\\\" back\\\\slash \\$ \\q\"\n"
      "QUOTED_COMMENT=\"x\" # after the quote\n"
      "MULTI=\"line one\n"
      "line two\"\n"
      "CRLF=windows\r\n"
      "DUP=first\n"
      "DUP=second\n");
  CHECK(v.at("PLAIN") == "https://sync.example.com");
  CHECK(v.at("SPACED") == "value with spaces");
  CHECK(v.at("EXPORTED") == "yes");
  CHECK(v.at("TABBED") == "also");
  CHECK(v.at("TRAILING") == "abc");
  CHECK(v.at("HASH_IN_WORD") == "a#b");
  CHECK(v.at("EMPTY").empty());
  CHECK(v.at("EMPTY_COMMENT").empty());
  CHECK(v.at("SINGLE") == "literal \\n $HOME # kept");
  CHECK(v.at("DOUBLE") == "tab\there \"quoted\" back\\slash $ \\q");
  CHECK(v.at("QUOTED_COMMENT") == "x");
  CHECK(v.at("MULTI") == "line one\nline two");
  CHECK(v.at("CRLF") == "windows");
  CHECK(v.at("DUP") == "second");
  CHECK(v.size() == 14);
  CHECK(parse_dotenv("").empty());
  CHECK(parse_dotenv("export=1\n").at("export") == "1");  // a key may be called export
  CHECK(parse_dotenv("LAST=no newline").at("LAST") == "no newline");
}

TEST_CASE("dotenv: malformed lines are refused with their line number", "[dotenv]") {
  auto error = [](const std::string& text) {
    try {
      parse_dotenv(text);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  CHECK(error("A=1\nNO_EQUALS\n") == "line 2: expected '=' after NO_EQUALS");
  CHECK(error("A=1\n\n=value\n") == "line 3: expected KEY=value");
  CHECK(error("1KEY=x\n") == "line 1: a key cannot start with a digit: 1KEY");
  CHECK(error("A=1\nB=\"open\nC=3\n") == "line 2: unterminated double quote");
  CHECK(error("B='open\n") == "line 1: unterminated single quote");
  CHECK(error("B=\"x\" junk\n") == "line 1: unexpected text after the closing quote");
  CHECK(error("KEY WITH SPACE=1\n") == "line 1: expected '=' after KEY");
}

TEST_CASE("dotenv: a file others may read, or one that does not parse, is refused", "[dotenv]") {
  TempDir dir;
  std::string path = dir.file(".env");
  std::string why;
  CHECK_FALSE(read_dotenv_file(path, &why).has_value());  // absent: nothing, no complaint
  CHECK(why.empty());
  write_file(path, "REMOTE_API_KEY=secret-key-0123456\n", 0600);
  auto ok = read_dotenv_file(path, &why);
  REQUIRE(ok.has_value());
  CHECK(ok->at("REMOTE_API_KEY") == "secret-key-0123456");
  chmod(path.c_str(), 0644);
  CHECK_FALSE(read_dotenv_file(path, &why).has_value());
  CHECK(why == path + " is readable by other users; ignoring it (chmod 600 " + path + ")");
  chmod(path.c_str(), 0640);
  CHECK_FALSE(read_dotenv_file(path, &why).has_value());
  write_file(path, "GOOD=1\nBAD LINE\n", 0600);
  CHECK_FALSE(read_dotenv_file(path, &why).has_value());
  CHECK(why == path + ": line 2: expected '=' after BAD; ignoring the file");
}

TEST_CASE("remote settings: flags, then environment, then .env files, then the config file",
          "[dotenv][secrets]") {
  TempDir home, work;
  ScopedEnv xdg("XDG_CONFIG_HOME", home.path().c_str());
  ScopedEnv no_url("REMOTE_API_URL", nullptr);
  ScopedEnv no_key("REMOTE_API_KEY", nullptr);
  ScopedCwd cwd(work.path());
  std::string xdg_env = config_dir() + "/.env", cwd_env = (work.path() / ".env").string();
  CHECK(dotenv_paths() == std::vector<std::string>{cwd_env, xdg_env});

  write_config_file({"http://config-file:1", "config-key-0123456", ""});
  CHECK(resolve_remote({}).url == "http://config-file:1");
  CHECK(remote_url_source({}) == "config file");

  write_file(xdg_env, "REMOTE_API_URL=http://xdg-env:1\nREMOTE_API_KEY=xdg-key-0123456\n");
  CHECK(resolve_remote({}).url == "http://xdg-env:1");
  CHECK(resolve_remote({}).api_key == "xdg-key-0123456");
  CHECK(remote_url_source({}) == ".env file (" + xdg_env + ")");

  // The working directory's .env wins, name by name: its URL, and the XDG file's key.
  write_file(cwd_env, "export REMOTE_API_URL=\"http://cwd-env:1\"  # this project\n");
  CHECK(resolve_remote({}).url == "http://cwd-env:1");
  CHECK(resolve_remote({}).api_key == "xdg-key-0123456");
  CHECK(remote_url_source({}) == ".env file (" + cwd_env + ")");

  {
    ScopedEnv url("REMOTE_API_URL", "http://environment:1");
    ScopedEnv key("REMOTE_API_KEY", "env-key-0123456789");
    CHECK(resolve_remote({}).url == "http://environment:1");
    CHECK(resolve_remote({}).api_key == "env-key-0123456789");
    CHECK(remote_url_source({}) == "environment");
    RemoteFlags flags;
    flags.url = "http://flag:1";
    flags.api_key = "flag-key-0123456789";
    CHECK(resolve_remote(flags).url == "http://flag:1");
    CHECK(resolve_remote(flags).api_key == "flag-key-0123456789");
    CHECK(remote_url_source(flags) == "command line");
  }

  // A .env others may read is ignored, with a warning that says so; the next source counts.
  chmod(cwd_env.c_str(), 0644);
  std::string warning;
  CHECK(resolve_remote({}, &warning).url == "http://xdg-env:1");
  CHECK(warning ==
        cwd_env + " is readable by other users; ignoring it (chmod 600 " + cwd_env + ")");
  chmod(xdg_env.c_str(), 0604);
  warning.clear();
  RemoteConfig r = resolve_remote({}, &warning);
  CHECK(r.url == "http://config-file:1");
  CHECK(r.api_key == "config-key-0123456");
  CHECK(warning.find(cwd_env) != std::string::npos);
  CHECK(warning.find("; " + xdg_env + " is readable") != std::string::npos);
}

TEST_CASE("a new local database, its WAL and its shared memory are private to the user",
          "[files]") {
  TempDir dir;
  mode_t old_umask = umask(022);
  std::string db = dir.file("data/craftsync.db");
  {
    SyncEngine engine(db);
    engine.records().create(Entity::customers, {{"name", "Private"}});
    CHECK(mode_of(db) == 0600);
    CHECK(mode_of(db + "-wal") == 0600);
    CHECK(mode_of(db + "-shm") == 0600);
    CHECK(mode_of(dir.file("data")) == 0700);  // the directory it made, too
  }
  // An existing file keeps the mode its owner chose.
  std::string shared = dir.file("shared.db");
  write_file(shared, "", 0640);
  { SyncEngine engine(shared); }
  CHECK(mode_of(shared) == 0640);
  umask(old_umask);
}

TEST_CASE("server startup keys: at least 16 characters, from a file others cannot read",
          "[server][secrets]") {
  using namespace craftsync::server;
  TempDir dir;
  auto error = [](auto&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error([] { check_api_key("fifteen-chars15", "--api-key"); }) ==
        "the API key from --api-key is 15 characters; keys need at least 16 (craftsync-server "
        "keys add makes a good one)");
  CHECK(error([] { check_api_key("sixteen-chars-16", "--api-key"); }) == "accepted");
  CHECK(error([] { check_api_key("sixteen chars 16", "X"); }) ==
        "the API key from X contains a blank");

  std::string file = dir.file("keys");
  write_file(file, "# the field team\n  first-key-0123456789  \n\nsecond-key-0123456789\r\n", 0640);
  auto keys = collect_startup_keys(file, "env-key-0123456789", "flag-key-0123456789");
  REQUIRE(keys.size() == 4);
  CHECK(keys[0].key == "first-key-0123456789");
  CHECK(keys[0].label == "--api-key-file");
  CHECK(keys[1].key == "second-key-0123456789");
  CHECK(keys[2].label == "CRAFTSYNC_API_KEY");
  CHECK(keys[3].label == "--api-key");
  CHECK(error([&] { collect_startup_keys("", "short", ""); }).find("CRAFTSYNC_API_KEY is 5") !=
        std::string::npos);
  chmod(file.c_str(), 0644);
  CHECK(error([&] { read_api_key_file(file); }) ==
        "the API key file " + file + " is readable by every user; chmod o-r it (0600 or 0640)");
  write_file(file, "# only a comment\n", 0600);
  CHECK(error([&] { read_api_key_file(file); }) == "the API key file " + file + " holds no key");
  CHECK(error([&] { read_api_key_file(dir.file("missing")); }) ==
        "cannot read the API key file " + dir.file("missing"));
  write_file(file, "short-one\n", 0600);
  CHECK(error([&] { collect_startup_keys(file, "", ""); }) ==
        "the API key from --api-key-file " + file +
            " is 9 characters; keys need at least 16 (craftsync-server keys add makes a good "
            "one)");
}
