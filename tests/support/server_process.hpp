#pragma once
// Starts the real craftsync-server binary on an ephemeral loopback port for a test, and stops
// it (SIGTERM, then waits) when destroyed. Not shared between threads.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace craftsync::test {

/// A fresh temporary directory, removed when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class TestDatabase;

struct ServerOptions {
  std::string db;  // default: a fresh TestDatabase (SQLite file or PostgreSQL)
  std::string api_key = "test-admin-key-0123";
  std::vector<std::string> extra_args;
  std::string binary;  // default: the craftsync-server this build made (a bench may compare)
};

inline ServerOptions server_args(std::vector<std::string> extra_args) {
  ServerOptions o;
  o.extra_args = std::move(extra_args);
  return o;
}

inline ServerOptions server_on(std::string db, std::string api_key = "test-admin-key-0123",
                               std::vector<std::string> extra_args = {}) {
  ServerOptions o;
  o.db = std::move(db);
  o.api_key = std::move(api_key);
  o.extra_args = std::move(extra_args);
  return o;
}

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& url() const { return url_; }  // e.g. http://127.0.0.1:41234
  int port() const { return port_; }
  const std::string& db_path() const { return db_; }
  const std::string& admin_key() const { return options_.api_key; }
  const std::string& log_path() const { return log_; }
  pid_t pid() const { return pid_; }

  /// Sends SIGTERM and waits; returns the exit status (or -1 if killed by a signal).
  int stop();
  /// SIGKILL, for crash tests.
  void kill_hard();

 private:
  ServerOptions options_;
  TempDir dir_;
  std::unique_ptr<TestDatabase> own_db_;  // when options_.db is empty
  std::string db_, log_, url_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// Runs the server binary with arguments (e.g. "keys add") and returns its stdout (and its
/// stderr too, with `with_stderr`).
std::string run_server_command(const std::vector<std::string>& args, int* exit_code = nullptr,
                               bool with_stderr = false);

/// Runs a program (args[0] is its path) and returns its stdout (and stderr, `with_stderr`).
std::string run_program(const std::vector<std::string>& args, int* exit_code = nullptr,
                        bool with_stderr = false);

/// Starts args[0] with stdin from /dev/null and stdout/stderr on the given descriptors.
pid_t spawn_process(const std::vector<std::string>& args, int stdout_fd, int stderr_fd);

/// A whole file as text ("" when it cannot be read).
std::string read_text_file(const std::string& path);

/// Path of the craftsync-server binary under test.
std::string server_binary();

}  // namespace craftsync::test

namespace craftsync::test {
/// Runs SQL through the sqlite3 command-line shell, as an admin would; returns its stdout.
std::string sqlite3_cli(const std::string& db, const std::string& sql);
}  // namespace craftsync::test
