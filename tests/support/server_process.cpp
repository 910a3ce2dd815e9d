#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace craftsync::test {

pid_t spawn_process(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  return pid;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

/// Reads from fd until `marker` appears in a line, or the deadline passes.
std::string read_until(int fd, const std::string& marker, std::chrono::seconds timeout) {
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf.find(marker) == std::string::npos ||
         buf.find('\n', buf.find(marker)) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char chunk[512];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return buf;
}

}  // namespace

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    auto p = base / ("craftsync-test-" + std::to_string(getpid()) + "-" +
                     std::to_string(counter++) + "-" + std::to_string(rd() % 100000));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string server_binary() {
  return CRAFTSYNC_SERVER_BIN;
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  if (!options_.db.empty()) {
    db_ = options_.db;
  } else if (testing_postgres()) {
    own_db_ = std::make_unique<TestDatabase>();
    db_ = own_db_->location();
  } else {
    db_ = dir_.file("server.db");
  }
  log_ = dir_.file("server.log");
  std::vector<std::string> args = {options_.binary.empty() ? server_binary() : options_.binary,
                                   "--db", db_, "--listen", "127.0.0.1:0"};
  if (!options_.api_key.empty()) {
    args.push_back("--api-key");
    args.push_back(options_.api_key);
  }
  for (const auto& a : options_.extra_args) args.push_back(a);

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  int log_fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_ = spawn_process(args, pipe_fds[1], log_fd);
  close(pipe_fds[1]);
  close(log_fd);
  std::string out = read_until(pipe_fds[0], "listening on ", std::chrono::seconds(120));
  close(pipe_fds[0]);
  auto at = out.find("listening on ");
  if (at == std::string::npos) {
    kill_hard();
    throw std::runtime_error("server did not start; output: " + out);
  }
  std::string line = out.substr(at + 13, out.find('\n', at) - at - 13);
  url_ = line;
  port_ = std::stoi(line.substr(line.rfind(':') + 1));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop();
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string run_server_command(const std::vector<std::string>& args, int* exit_code,
                               bool with_stderr) {
  std::vector<std::string> full = {server_binary()};
  full.insert(full.end(), args.begin(), args.end());
  return run_program(full, exit_code, with_stderr);
}

std::string run_program(const std::vector<std::string>& full, int* exit_code, bool with_stderr) {
  int pipe_fds[2];
  // Close-on-exec, so that a daemon the program leaves behind (pg_ctl's server) cannot keep
  // the pipe open and the read below waiting for an EOF that never comes.
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int null_fd = open("/dev/null", O_WRONLY);
  pid_t pid = spawn_process(full, pipe_fds[1], with_stderr ? pipe_fds[1] : null_fd);
  close(pipe_fds[1]);
  close(null_fd);
  std::string out;
  char chunk[512];
  ssize_t n;
  while ((n = read(pipe_fds[0], chunk, sizeof chunk)) > 0)
    out.append(chunk, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace craftsync::test

namespace craftsync::test {

std::string sqlite3_cli(const std::string& db, const std::string& sql) {
  int code = -1;
  std::string out = run_program({"/usr/bin/sqlite3", db, sql}, &code, false);
  if (code != 0) throw std::runtime_error("sqlite3 failed: " + sql);
  return out;
}

}  // namespace craftsync::test
