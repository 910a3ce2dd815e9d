#include "tests/support/cli_process.hpp"
#include "tests/support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace craftsync::test {
namespace {

pid_t spawn_with(const std::vector<std::string>& args, int out_fd, int err_fd) {
  std::vector<std::string> full = {cli_binary()};
  full.insert(full.end(), args.begin(), args.end());
  return spawn_process(full, out_fd, err_fd);
}

}  // namespace

std::string cli_binary() {
  return CRAFTSYNC_CLI_BIN;
}

std::vector<std::string> cli_args(const std::string& db, const std::string& url,
                                  const std::string& key, std::vector<std::string> rest) {
  std::vector<std::string> args = {"--db", db, "--remote", url, "--api-key", key};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

CliResult run_cli(const std::vector<std::string>& args) {
  char out_name[] = "/tmp/craftsync-cli-out-XXXXXX";
  char err_name[] = "/tmp/craftsync-cli-err-XXXXXX";
  int out_fd = mkstemp(out_name), err_fd = mkstemp(err_name);
  pid_t pid = spawn_with(args, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  CliResult r;
  r.exit_code = wait_child(pid, 600000);
  r.out = read_text_file(out_name);
  r.err = read_text_file(err_name);
  unlink(out_name);
  unlink(err_name);
  return r;
}

pid_t spawn_cli(const std::vector<std::string>& args, const std::string& out_file,
                const std::string& err_file) {
  int out_fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = spawn_with(args, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  return pid;
}

int wait_child(pid_t pid, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the child's state
  }
}

}  // namespace craftsync::test
