#pragma once
// The console's semantic colours (state, highlights, charts), set once from the theme in
// assets/ at start-up and read by every panel.
//
// Threading: the render thread only.

#include <imgui.h>

#include <string_view>

namespace craftsync::console {

struct Palette {
  ImVec4 text{0.86f, 0.88f, 0.90f, 1.0f};
  ImVec4 muted{0.56f, 0.60f, 0.65f, 1.0f};
  ImVec4 accent{0.33f, 0.61f, 0.91f, 1.0f};
  ImVec4 ok{0.36f, 0.74f, 0.45f, 1.0f};
  ImVec4 warning{0.91f, 0.67f, 0.25f, 1.0f};
  ImVec4 error{0.91f, 0.36f, 0.33f, 1.0f};
  ImVec4 offline{0.64f, 0.58f, 0.86f, 1.0f};
  ImVec4 changed_bg{0.55f, 0.30f, 0.12f, 0.45f};  // a field that differs between the sides
  ImVec4 merged_bg{0.16f, 0.42f, 0.30f, 0.45f};   // a field merged automatically
  ImVec4 chart_pulled{0.33f, 0.61f, 0.91f, 1.0f};
  ImVec4 chart_pushed{0.36f, 0.74f, 0.45f, 1.0f};
  ImVec4 chart_duration{0.85f, 0.72f, 0.40f, 1.0f};
  ImFont* mono = nullptr;  // monospace font for ids and raw JSON; nullptr: the default font
};

const Palette& palette();
void set_palette(const Palette& p);

/// The colour of a record's sync state: synced, pending, conflict or rejected.
ImVec4 state_color(std::string_view state);

/// Pushes the monospace font when there is one; pair with pop_mono().
void push_mono();
void pop_mono();

}  // namespace craftsync::console
