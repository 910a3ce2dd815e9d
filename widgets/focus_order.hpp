#pragma once
// Tab and Shift+Tab through everything a person can use, in the order it is drawn: the header's
// buttons, the sidebar, the tabs, the inspector's toolbar, the table, the detail. ImGui 1.86
// (Debian 12) tabs only through the text fields of one window, so the console keeps Tab from
// ImGui and moves the keyboard focus itself: items register as stops while they draw, and a Tab
// press focuses the next stop at the next frame (a text field for typing; a button, checkbox,
// tab or row for Space). An open popup or modal keeps the focus inside it.
//
// Threading: the render thread only (ImGui's context).

#include <imgui.h>

#include <cstddef>
#include <string>

namespace craftsync::console {

/// The last item drawn is a stop (`text_field`: typing goes into it once focused). `id`, when
/// the item's own id is not the last item's (ImGui::InputInt's text field).
void focus_stop(const char* label, bool text_field = false, ImGuiID id = 0);
/// InputTextWithHint as a stop: Tab gives it the focus for typing.
bool ui_input_text(const char* label, const char* hint, std::string* text,
                   ImGuiInputTextFlags flags = 0);
/// A Tab press (+1) or Shift+Tab (-1), from the platform layer.
void focus_tab(int direction);
/// After the frame's last window: where the pending Tab press goes.
void focus_end_frame();
/// The label of the stop that has the keyboard focus, "" when none (for tests).
std::string focused_stop();
/// How many stops the frame being drawn has registered so far (for tests).
std::size_t focus_stops_drawn();

}  // namespace craftsync::console
