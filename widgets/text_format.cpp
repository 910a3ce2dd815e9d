#include "widgets/text_format.hpp"

#include <cstdio>

namespace craftsync::console {

std::string time_ago(std::int64_t then_ms, std::int64_t now_ms) {
  std::int64_t s = (now_ms - then_ms) / 1000;
  if (s < 10) return "just now";
  if (s < 60) return std::to_string(s) + " s ago";
  auto unit = [](std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many) + " ago";
  };
  if (s < 3600) return unit(s / 60, "minute", "minutes");
  if (s < 86400) return unit(s / 3600, "hour", "hours");
  return unit(s / 86400, "day", "days");
}

std::string duration_text(std::int64_t ms) {
  char buf[48];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  else if (ms < 60000)
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  else
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>((ms % 60000) / 1000));
  return buf;
}

std::string countdown_text(std::int64_t ms) {
  std::int64_t s = ms <= 0 ? 0 : (ms + 999) / 1000;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string((s + 59) / 60) + " min";
  return std::to_string((s + 3599) / 3600) + " h";
}

std::string timestamp_text(std::string_view iso) {
  if (iso.size() < 19 || iso[10] != 'T') return std::string(iso);
  std::string out(iso.substr(0, 19));
  out[10] = ' ';
  return out + " UTC";
}

std::string short_id(std::string_view id) {
  if (id.size() <= 14) return std::string(id);
  return std::string(id.substr(0, 8)) + "\xE2\x80\xA6" + std::string(id.substr(id.size() - 4));
}

std::string interval_text(int minutes) {
  if (minutes < 60) return std::to_string(minutes) + "m";
  if (minutes < 1440 || minutes % 1440 != 0) {
    int h = minutes / 60, m = minutes % 60;
    if (h >= 24) return std::to_string(h / 24) + "d " + std::to_string(h % 24) + "h";
    return m ? std::to_string(h) + "h " + std::to_string(m) + "m" : std::to_string(h) + "h";
  }
  return std::to_string(minutes / 1440) + "d";
}

int percent(std::int64_t done, std::int64_t total) {
  if (total <= 0) return -1;
  if (done >= total) return 100;
  if (done <= 0) return 0;
  return static_cast<int>(done * 100 / total);
}

}  // namespace craftsync::console
