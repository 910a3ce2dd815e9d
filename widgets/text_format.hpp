#pragma once
// How numbers, times and ids read in the console. Pure functions; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/number_text.hpp"

namespace craftsync::console {

/// "just now", "40 s ago" (in steps of 10 s), "5 minutes ago", "1 hour ago", "3 days ago".
std::string time_ago(std::int64_t then_ms, std::int64_t now_ms);

// Redraw only when the screen would change: time_ago() and countdown_text() note, as they
// format, in how many ms their text would read differently. The console's loop clears the note
// before a frame and sleeps until the earliest one (or an event) after it. These two functions
// are pure but for that note, which is per thread (the render thread's).
void clear_redraw_note();
/// ms until some text drawn since clear_redraw_note() changes; -1 when none depends on time.
std::int64_t redraw_due_in_ms();
void note_redraw_in(std::int64_t ms);
/// 850 -> "850 ms", 1234 -> "1.2 s", 125000 -> "2 min 5 s".
std::string duration_text(std::int64_t ms);
/// A wait: "30 s", "4 min", "2 h" (notes when it next changes, as time_ago does).
std::string countdown_text(std::int64_t ms);
/// "2026-11-26T21:57:54.123Z" -> "2026-11-26 21:57:54 UTC"; other text unchanged.
std::string timestamp_text(std::string_view iso);
/// A UUID shortened for tables: "01936a7e…f3c2".
std::string short_id(std::string_view id);
/// "30m", "2h", "1d 1h" for an auto-sync interval in minutes.
std::string interval_text(int minutes);
/// Percentage 0..100 of done/total, or -1 when total is unknown.
int percent(std::int64_t done, std::int64_t total);

}  // namespace craftsync::console
