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

std::string amount_text(std::string_view amount) {
  std::string_view v = amount;
  bool negative = !v.empty() && v[0] == '-';
  if (negative) v.remove_prefix(1);
  std::size_t dot = v.find('.');
  std::string_view whole = v.substr(0, dot), frac = dot == v.npos ? "" : v.substr(dot + 1);
  auto digits = [](std::string_view d) {
    for (char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (whole.empty() || !digits(whole) || !digits(frac) || frac.size() > 2)
    return std::string(amount);
  std::string out = negative ? "-" : "";
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  std::string cents(frac);
  cents.resize(2, '0');
  return out + "." + cents;
}

}  // namespace craftsync
