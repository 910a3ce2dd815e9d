#pragma once
// Bash and zsh completion scripts, generated from a program's CLI11 definition so that they
// cannot drift from it: `craftsync completion bash`, `craftsync-server completion zsh`. The
// package installs their output (packaging/CMakeLists.txt). Pure functions; thread-safe.
//
// What completes: subcommands; options (a subcommand's and its parents'); an option's values
// when a validator lists them ({a,b,c}, as CLI::IsMember does), else file names; and a
// subcommand's first positional when its validator lists values.

#include <string>

#include <CLI/CLI.hpp>

namespace craftsync {

std::string bash_completion(const CLI::App& app, const std::string& program);
std::string zsh_completion(const CLI::App& app, const std::string& program);

/// Adds `completion bash|zsh` to `app`; returns the subcommand, and the chosen shell in `shell`.
CLI::App* add_completion_command(CLI::App& app, const std::string& program, std::string& shell);

/// Prints the script for `shell` to stdout; returns the exit code.
int print_completion(const CLI::App& app, const std::string& program, const std::string& shell);

}  // namespace craftsync
