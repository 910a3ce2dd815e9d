#pragma once
// A `.env` file, in the dotenv format the seed's users write (python-dotenv, Node's dotenv):
//
//   # a comment
//   export REMOTE_API_URL=https://sync.example.com   # `export` and trailing comments allowed
//   REMOTE_API_KEY='single quotes: taken literally'
//   GREETING="double quotes: \n \t \" \\ are escapes; may span lines"
//
// Keys are [A-Za-z_][A-Za-z0-9_]*; a later line wins over an earlier one. `$VAR` is not
// expanded. Debian has no C++ dotenv parser, so this one is kept small and is tested against
// each of the format's edge cases (tests/client_files_test.cpp). Pure functions; thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace craftsync {

using DotenvValues = std::map<std::string, std::string>;

/// Throws std::runtime_error("line N: ...") for a line that is not KEY=value.
DotenvValues parse_dotenv(std::string_view text);

/// Reads and parses `path`. Absent file: nullopt. A file that group or others may read, or one
/// that does not parse, is refused: nullopt, with the reason (one line) in `refused`.
std::optional<DotenvValues> read_dotenv_file(const std::string& path, std::string* refused);

}  // namespace craftsync
