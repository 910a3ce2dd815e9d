#pragma once
// Loads the console's fonts into ImGui's atlas at a size scaled by the monitor's content scale,
// with only the glyph ranges the console draws (Latin-1 and a handful of symbols).
//
// Threading: the render thread only.

#include <imgui.h>

#include <string>

#include "app/console/theme.hpp"

namespace craftsync::console {

struct FontSet {
  ImFont* regular = nullptr;
  ImFont* mono = nullptr;  // nullptr when the monospace font is missing
};

/// Clears the atlas and loads the theme's fonts at `theme.font_size * scale` pixels. Falls back
/// to ImGui's built-in font (scaled) when a file is missing, with a note in `warning`.
FontSet load_fonts(const Theme& theme, float scale, std::string* warning);

}  // namespace craftsync::console
