#pragma once
// UTF-8 spellings of the few symbols the console draws. The app's font atlas loads exactly
// these ranges (see app/console/fonts.cpp); without them ImGui shows '?'.

namespace craftsync::console::glyph {

inline constexpr const char* kCheck = "\xE2\x9C\x93";     // ✓ U+2713
inline constexpr const char* kWarning = "\xE2\x9A\xA0";   // ⚠ U+26A0
inline constexpr const char* kEllipsis = "\xE2\x80\xA6";  // … U+2026
inline constexpr const char* kDash = "\xE2\x80\x94";      // — U+2014
inline constexpr const char* kUp = "\xE2\x86\x91";        // ↑ U+2191
inline constexpr const char* kDown = "\xE2\x86\x93";      // ↓ U+2193
inline constexpr const char* kDot = "\xE2\x97\x8F";       // ● U+25CF
inline constexpr const char* kCross = "\xE2\x9C\x97";     // ✗ U+2717

}  // namespace craftsync::console::glyph
