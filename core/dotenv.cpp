#include "core/dotenv.hpp"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace craftsync {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  DotenvValues parse() {
    DotenvValues out;
    while (!done()) {
      skip_blanks();
      if (done()) break;
      if (peek() == '\n' || peek() == '\r' || peek() == '#') {
        skip_line();
        continue;
      }
      std::string key = read_key();
      if (key == "export" && (peek() == ' ' || peek() == '\t')) {
        skip_blanks();
        key = read_key();
      }
      if (key.empty()) fail("expected KEY=value");
      skip_blanks();
      if (done() || peek() != '=') fail("expected '=' after " + key);
      ++i_;
      skip_blanks();
      out[key] = read_value();
    }
    return out;
  }

 private:
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("line " + std::to_string(line_) + ": " + what);
  }
  void skip_blanks() {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++i_;
  }
  void skip_line() {
    while (!done() && peek() != '\n') ++i_;
    if (!done()) ++i_, ++line_;
  }
  std::string read_key() {
    std::size_t start = i_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) ++i_;
    std::string key(s_.substr(start, i_ - start));
    if (!key.empty() && std::isdigit(static_cast<unsigned char>(key[0])))
      fail("a key cannot start with a digit: " + key);
    return key;
  }
  // After a closing quote: blanks, then an optional comment, then the end of the line.
  void end_of_value() {
    skip_blanks();
    if (!done() && peek() == '#') {
      skip_line();
      return;
    }
    if (!done() && peek() == '\r') ++i_;
    if (!done() && peek() != '\n') fail("unexpected text after the closing quote");
    skip_line();
  }
  std::string read_value() {
    if (done()) return "";
    char q = peek();
    if (q == '\'' || q == '"') {
      int opened_on = line_;
      ++i_;
      std::string v;
      while (!done() && peek() != q) {
        char c = s_[i_++];
        if (c == '\n') ++line_;
        if (q == '"' && c == '\\' && !done()) {
          char e = s_[i_++];
          switch (e) {
            case 'n':
              v += '\n';
              break;
            case 'r':
              v += '\r';
              break;
            case 't':
              v += '\t';
              break;
            case '"':
            case '\\':
            case '$':
              v += e;
              break;
            default:
              v += '\\';
              v += e;
          }
          continue;
        }
        v += c;
      }
      if (done()) {
        line_ = opened_on;
        fail(std::string("unterminated ") + (q == '"' ? "double" : "single") + " quote");
      }
      ++i_;
      end_of_value();
      return v;
    }
    std::size_t start = i_;  // s_[i_ - 1] is '=' or a blank
    while (!done() && peek() != '\n') {
      // " #" starts a comment; a '#' inside a word (a#b) does not.
      if (peek() == '#' && (s_[i_ - 1] == ' ' || s_[i_ - 1] == '\t')) break;
      ++i_;
    }
    std::string v(s_.substr(start, i_ - start));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.pop_back();
    skip_line();
    return v;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
};

}  // namespace

DotenvValues parse_dotenv(std::string_view text) {
  return Reader(text).parse();
}

std::optional<DotenvValues> read_dotenv_file(const std::string& path, std::string* refused) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  auto refuse = [&](const std::string& why) -> std::optional<DotenvValues> {
    if (refused) *refused = why;
    return std::nullopt;
  };
  if ((st.st_mode & 077) != 0)
    return refuse(path + " is readable by other users; ignoring it (chmod 600 " + path + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) return refuse("cannot read " + path + "; ignoring it");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_dotenv(ss.str());
  } catch (const std::exception& e) {
    return refuse(path + ": " + e.what() + "; ignoring the file");
  }
}

}  // namespace craftsync
