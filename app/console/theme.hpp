#pragma once
// The console's theme: fonts, rounding and colours from assets/theme.json, applied to ImGui's
// style and to the panels' Palette. A missing or broken file falls back to built-in values
// that match the shipped one.
//
// Threading: the render thread only (it writes ImGui's style and the palette).

#include <imgui.h>

#include <map>
#include <string>

#include "widgets/palette.hpp"

namespace craftsync::console {

struct Theme {
  std::string font_regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  std::string font_mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
  float font_size = 15.0f;
  float rounding = 4.0f;
  std::map<std::string, ImVec4> colors;  // by the names used in theme.json
};

/// Reads a theme file; on failure returns the defaults and says why in `warning`.
Theme load_theme(const std::string& path, std::string* warning);
/// "#rrggbb" or "#rrggbbaa" to a colour; false when malformed.
bool parse_color(const std::string& text, ImVec4* out);

/// Sets ImGui's style (scaled by the content scale) and the palette. Call after the fonts are
/// loaded; `mono` may be nullptr.
void apply_theme(const Theme& theme, float scale, ImFont* mono);

}  // namespace craftsync::console
