#include "widgets/text_format.hpp"

#include <algorithm>
#include <cstdio>

namespace craftsync::console {

namespace {
thread_local std::int64_t due_in_ms = -1;
}

void clear_redraw_note() {
  due_in_ms = -1;
}

std::int64_t redraw_due_in_ms() {
  return due_in_ms;
}

void note_redraw_in(std::int64_t ms) {
  if (ms < 1) ms = 1;
  if (due_in_ms < 0 || ms < due_in_ms) due_in_ms = ms;
}

std::string time_ago(std::int64_t then_ms, std::int64_t now_ms) {
  std::int64_t age = now_ms - then_ms, s = age / 1000;
  // The age at which this text next reads differently.
  auto next = [&](std::int64_t step_ms) { note_redraw_in((age / step_ms + 1) * step_ms - age); };
  if (s < 10) {
    note_redraw_in(10000 - age);
    return "just now";
  }
  auto unit = [](std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many) + " ago";
  };
  if (s < 60) {  // in steps of 10 s: a freshly synced window redraws six times, not sixty
    next(10000);
    return std::to_string(s / 10 * 10) + " s ago";
  }
  if (s < 3600) {
    next(60000);
    return unit(s / 60, "minute", "minutes");
  }
  if (s < 86400) {
    next(3600000);
    return unit(s / 3600, "hour", "hours");
  }
  next(86400000);
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
  if (s < 120) {
    if (s > 0) note_redraw_in(ms - (s - 1) * 1000);
    return std::to_string(s) + " s";
  }
  if (s < 7200) {
    std::int64_t m = (s + 59) / 60;
    note_redraw_in(std::min(ms - (m - 1) * 60000, ms - 119000));
    return std::to_string(m) + " min";
  }
  std::int64_t h = (s + 3599) / 3600;
  note_redraw_in(std::min(ms - (h - 1) * 3600000, ms - 7199000));
  return std::to_string(h) + " h";
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
