#include "core/clock.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace craftsync {

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

/// Writes `value` as `width` decimal digits, zero-padded, at `out`.
void put_digits(char* out, int width, long long value) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

// Every record a sync touches gets a time stamp, so this is written out by hand: snprintf and
// gmtime_r cost a few percent of a push.
std::string iso_from_unix_ms(std::int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const long long in_day = (t - day).count();  // 0 .. 86,399,999
  int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) {  // outside what four digits hold: the slow, general way
    std::time_t secs = static_cast<std::time_t>(floor<seconds>(t).time_since_epoch().count());
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(in_day % 1000));
    return buf;
  }
  char buf[] = "0000-00-00T00:00:00.000Z";  // 24 characters and the NUL
  put_digits(buf, 4, y);
  put_digits(buf + 5, 2, static_cast<unsigned>(ymd.month()));
  put_digits(buf + 8, 2, static_cast<unsigned>(ymd.day()));
  put_digits(buf + 11, 2, in_day / 3600000);
  put_digits(buf + 14, 2, in_day / 60000 % 60);
  put_digits(buf + 17, 2, in_day / 1000 % 60);
  put_digits(buf + 20, 3, in_day % 1000);
  return std::string(buf, 24);
}

std::optional<std::int64_t> unix_ms_from_iso(const std::string& iso) {
  std::tm tm{};
  int ms = 0;
  char frac[16] = {0};
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return std::nullopt;
  if (iso.size() > 20 && iso[19] == '.' && std::sscanf(iso.c_str() + 20, "%3[0-9]", frac) == 1) {
    ms = std::atoi(frac);
    for (std::size_t n = std::strlen(frac); n < 3; ++n) ms *= 10;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

std::string utc_now_iso() {
  return iso_from_unix_ms(unix_now_ms());
}

}  // namespace craftsync
