#include "widgets/focus_order.hpp"

#include <imgui_internal.h>
#include <imgui_stdlib.h>

#include <vector>

namespace craftsync::console {
namespace {

struct Stop {
  ImGuiID id = 0;
  std::string label;
  bool text = false;
  ImGuiWindow* root = nullptr;
};

struct State {
  ImGuiContext* context = nullptr;      // whose frames these are
  int frame = -1;                       // the frame `stops` belongs to
  std::vector<Stop> stops, last_frame;  // this frame's, and the last full frame's
  int pending = 0;                      // a Tab press not yet turned into a target
  ImGuiID target = 0;                   // the stop to focus when it is next drawn
  bool target_text = false;
};

State& state() {
  static State s;  // the render thread's; ImGui's context is global too
  return s;
}

/// The state for the frame being drawn. Stops from a frame that never reached
/// focus_end_frame() (a panel drawn on its own, as widget tests do) are dropped, and nothing
/// of another ImGui context's carries over.
State& drawing() {
  State& st = state();
  if (st.context != GImGui) {
    st = State{};
    st.context = GImGui;
  }
  if (st.frame != ImGui::GetFrameCount()) {
    st.stops.clear();
    st.frame = ImGui::GetFrameCount();
  }
  return st;
}

// The window a stop's focus belongs to: the top popup while one is open, else any window that
// is not a popup (the main window, the narrow sidebar's overlay).
bool reachable(const Stop& s) {
  ImGuiContext& g = *GImGui;
  if (g.OpenPopupStack.Size > 0) {
    ImGuiWindow* top = g.OpenPopupStack.back().Window;
    return top && s.root == top->RootWindow;
  }
  return s.root && (s.root->Flags & (ImGuiWindowFlags_Popup | ImGuiWindowFlags_Tooltip)) == 0;
}

ImGuiID focused_id() {
  ImGuiContext& g = *GImGui;
  if (g.ActiveId != 0) return g.ActiveId;  // a text field being edited
  return g.NavWindow ? g.NavId : 0;
}

}  // namespace

void focus_stop(const char* label, bool text_field, ImGuiID id) {
  ImGuiContext& g = *GImGui;
  State& st = drawing();
  if (id == 0) id = g.LastItemData.ID;
  if (id == 0 || (g.LastItemData.InFlags & ImGuiItemFlags_Disabled)) return;
  ImGuiWindow* window = g.CurrentWindow;
  st.stops.push_back({id, label, text_field, window->RootWindow});
  if (id != st.target) return;
  st.target = 0;
  if (g.ActiveId != 0 && g.ActiveId != id) ImGui::ClearActiveID();
  ImGui::SetFocusID(id, window);
  if (id == g.LastItemData.ID && !ImGui::IsItemVisible()) ImGui::SetScrollHereY(0.5f);
  g.NavDisableHighlight = false;  // show where the focus is
  g.NavDisableMouseHover = true;
}

bool ui_input_text(const char* label, const char* hint, std::string* text,
                   ImGuiInputTextFlags flags) {
  State& st = drawing();
  ImGuiID id = ImGui::GetID(label);
  if (id == st.target) {
    ImGui::SetKeyboardFocusHere();  // before the field: it takes typing at once
    st.target = 0;
  }
  bool changed = ImGui::InputTextWithHint(label, hint, text, flags);
  focus_stop(label, true, id);
  return changed;
}

void focus_tab(int direction) {
  state().pending += direction > 0 ? 1 : -1;
}

void focus_end_frame() {
  State& st = drawing();
  st.last_frame.swap(st.stops);
  st.stops.clear();
  if (st.pending == 0) return;
  std::vector<const Stop*> ring;
  for (const Stop& s : st.last_frame)
    if (reachable(s)) ring.push_back(&s);
  int dir = st.pending;
  st.pending = 0;
  if (ring.empty()) return;
  int n = static_cast<int>(ring.size());
  ImGuiID now = focused_id();
  int at = -1;
  for (int i = 0; i < n; ++i)
    if (ring[static_cast<std::size_t>(i)]->id == now) at = i;
  int next = at < 0 ? (dir > 0 ? (dir - 1) % n : n + dir % n) : ((at + dir) % n + n) % n;
  const Stop* s = ring[static_cast<std::size_t>(next)];
  st.target = s->id;
  st.target_text = s->text;
}

std::size_t focus_stops_drawn() {
  return drawing().stops.size();
}

std::string focused_stop() {
  ImGuiID now = focused_id();
  if (now == 0) return "";
  for (const Stop& s : state().last_frame)
    if (s.id == now) return s.label;
  return "";
}

}  // namespace craftsync::console
