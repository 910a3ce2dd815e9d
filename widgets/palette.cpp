#include "widgets/palette.hpp"

namespace craftsync::console {
namespace {
Palette g_palette;
}

const Palette& palette() {
  return g_palette;
}
void set_palette(const Palette& p) {
  g_palette = p;
}

ImVec4 state_color(std::string_view state) {
  if (state == "pending") return g_palette.warning;
  if (state == "conflict" || state == "rejected") return g_palette.error;
  if (state == "synced") return g_palette.ok;
  return g_palette.muted;
}

void push_mono() {
  if (g_palette.mono) ImGui::PushFont(g_palette.mono);
}

void pop_mono() {
  if (g_palette.mono) ImGui::PopFont();
}

}  // namespace craftsync::console
