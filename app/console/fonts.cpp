#include "app/console/fonts.hpp"

#include <filesystem>

namespace craftsync::console {
namespace {

// Latin-1 plus the symbols in widgets/glyphs.hpp: a small atlas (no CJK, imgui #1434).
const ImWchar kRanges[] = {
    0x0020, 0x00FF,  // Basic Latin, Latin-1 Supplement
    0x2014, 0x2014,  // — em dash
    0x2026, 0x2026,  // … ellipsis
    0x2190, 0x2193,  // ← ↑ → ↓
    0x25CF, 0x25CF,  // ● dot
    0x26A0, 0x26A0,  // ⚠ warning
    0x2713, 0x2713,  // ✓ check
    0x2717, 0x2717,  // ✗ cross
    0,
};

}  // namespace

FontSet load_fonts(const Theme& theme, float scale, std::string* warning) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  FontSet set;
  float px = theme.font_size * scale;
  ImFontConfig cfg;
  cfg.OversampleH = 2;
  cfg.OversampleV = 1;
  if (std::filesystem::exists(theme.font_regular))
    set.regular = io.Fonts->AddFontFromFileTTF(theme.font_regular.c_str(), px, &cfg, kRanges);
  if (!set.regular) {
    if (warning)
      *warning = "font " + theme.font_regular + " not found; using ImGui's built-in font";
    ImFontConfig builtin;
    builtin.SizePixels = 13.0f * scale;
    set.regular = io.Fonts->AddFontDefault(&builtin);
  }
  if (std::filesystem::exists(theme.font_mono))
    set.mono = io.Fonts->AddFontFromFileTTF(theme.font_mono.c_str(), px * 0.93f, &cfg, kRanges);
  io.FontDefault = set.regular;
  io.Fonts->Build();
  return set;
}

}  // namespace craftsync::console
