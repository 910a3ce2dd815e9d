#include "core/number_text.hpp"

namespace craftsync {

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string counted(std::int64_t n, const std::string& singular, const std::string& plural) {
  return thousands(n) + " " +
         (n == 1 || n == -1 ? singular
          : plural.empty()  ? singular + "s"
                            : plural);
}

}  // namespace craftsync
