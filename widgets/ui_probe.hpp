#pragma once
// A tiny hook that lets headless tests click the console's buttons the way a person would.
// Widgets draw their interactive items through these wrappers; when a test has installed a
// registry, each wrapper records where its item landed on screen (by label) and whether it was
// enabled. In the application no registry is installed and the wrappers only call ImGui.
//
// Threading: the render thread only.

#include <imgui.h>

#include <map>
#include <string>

namespace craftsync::console {

struct ProbedItem {
  ImVec2 min, max;
  bool enabled = true;
  int frame = 0;
  ImVec2 center() const { return {(min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f}; }
};

struct ProbeRegistry {
  std::map<std::string, ProbedItem> items;  // by label as passed to ImGui (with any ## suffix)
  bool texts = false;  // also record texts (probe_text): a test that reads them turns this on
};

void install_probe(ProbeRegistry* registry);
/// Records the last item under `label`; a no-op without a registry.
void probe_item(const char* label);
/// Records the last item as a text drawn, under "text:" + text, when the registry wants texts.
void probe_text(const std::string& text);

// The wrappers the panels use for clickable things.
bool ui_button(const char* label, const ImVec2& size = ImVec2(0, 0));
bool ui_small_button(const char* label);
bool ui_checkbox(const char* label, bool* value);
bool ui_radio(const char* label, bool active);
bool ui_selectable(const char* label, bool selected, ImGuiSelectableFlags flags = 0,
                   const ImVec2& size = ImVec2(0, 0));
bool ui_tab(const char* label, bool* open = nullptr, ImGuiTabItemFlags flags = 0);
/// BeginCombo, probed and a focus stop while closed.
bool ui_begin_combo(const char* label, const char* preview, ImGuiComboFlags flags = 0);
bool ui_collapsing_header(const char* label, ImGuiTreeNodeFlags flags = 0);

}  // namespace craftsync::console
