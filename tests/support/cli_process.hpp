#pragma once
// Runs the real craftsync CLI binary for tests.

#include <sys/types.h>

#include <string>
#include <vector>

namespace craftsync::test {

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out, err;
};

std::string cli_binary();

/// Runs to completion and captures stdout and stderr.
CliResult run_cli(const std::vector<std::string>& args);

/// `--db db --remote url --api-key key`, then `rest`: a command against a server.
std::vector<std::string> cli_args(const std::string& db, const std::string& url,
                                  const std::string& key, std::vector<std::string> rest);

/// Starts the CLI in the background with stdout/stderr going to files; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args, const std::string& out_file,
                const std::string& err_file);

/// Waits for a child; returns its exit code, or -1 if it was killed by a signal. Gives up
/// (returning -2) after `timeout_ms`.
int wait_child(pid_t pid, int timeout_ms);

}  // namespace craftsync::test
