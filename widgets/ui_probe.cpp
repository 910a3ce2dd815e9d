#include "widgets/ui_probe.hpp"

#include <imgui_internal.h>

#include "widgets/focus_order.hpp"

namespace craftsync::console {
namespace {
ProbeRegistry* g_registry = nullptr;
}

void install_probe(ProbeRegistry* registry) {
  g_registry = registry;
}

void probe_item(const char* label) {
  if (!g_registry) return;
  ImGuiContext& g = *ImGui::GetCurrentContext();
  ProbedItem item;
  item.min = ImGui::GetItemRectMin();
  item.max = ImGui::GetItemRectMax();
  item.enabled = (g.LastItemData.InFlags & ImGuiItemFlags_Disabled) == 0;
  item.frame = ImGui::GetFrameCount();
  g_registry->items[label] = item;
}

void probe_text(const std::string& text) {
  if (g_registry && g_registry->texts) probe_item(("text:" + text).c_str());
}

bool ui_button(const char* label, const ImVec2& size) {
  bool pressed = ImGui::Button(label, size);
  probe_item(label);
  focus_stop(label);
  return pressed;
}

bool ui_small_button(const char* label) {
  bool pressed = ImGui::SmallButton(label);
  probe_item(label);
  focus_stop(label);
  return pressed;
}

bool ui_checkbox(const char* label, bool* value) {
  bool changed = ImGui::Checkbox(label, value);
  probe_item(label);
  focus_stop(label);
  return changed;
}

bool ui_radio(const char* label, bool active) {
  bool pressed = ImGui::RadioButton(label, active);
  probe_item(label);
  focus_stop(label);
  return pressed;
}

bool ui_selectable(const char* label, bool selected, ImGuiSelectableFlags flags,
                   const ImVec2& size) {
  bool pressed = ImGui::Selectable(label, selected, flags, size);
  probe_item(label);
  return pressed;
}

bool ui_begin_combo(const char* label, const char* preview, ImGuiComboFlags flags) {
  bool open = ImGui::BeginCombo(label, preview, flags);
  if (!open) {  // when open, the last item is inside its popup
    probe_item(label);
    focus_stop(label);
  }
  return open;
}

bool ui_collapsing_header(const char* label, ImGuiTreeNodeFlags flags) {
  bool open = ImGui::CollapsingHeader(label, flags);
  probe_item(label);
  return open;
}

bool ui_tab(const char* label, bool* open, ImGuiTabItemFlags flags) {
  bool visible = ImGui::BeginTabItem(label, open, flags);
  probe_item(label);
  focus_stop(label);
  return visible;
}

}  // namespace craftsync::console
