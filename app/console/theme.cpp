#include "app/console/theme.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace craftsync::console {

bool parse_color(const std::string& text, ImVec4* out) {
  if (text.size() != 7 && text.size() != 9) return false;
  if (text[0] != '#') return false;
  unsigned v[4] = {0, 0, 0, 255};
  for (std::size_t i = 0; i < (text.size() - 1) / 2; ++i) {
    unsigned byte = 0;
    if (std::sscanf(text.c_str() + 1 + 2 * i, "%2x", &byte) != 1) return false;
    v[i] = byte;
  }
  *out = ImVec4(v[0] / 255.0f, v[1] / 255.0f, v[2] / 255.0f, v[3] / 255.0f);
  return true;
}

Theme load_theme(const std::string& path, std::string* warning) {
  Theme t;
  std::ifstream in(path);
  if (!in) {
    if (warning) *warning = "theme " + path + " not found; using built-in colours";
    return t;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!j.is_object()) {
    if (warning) *warning = "theme " + path + " is not a JSON object; using built-in colours";
    return t;
  }
  if (auto f = j.find("font"); f != j.end() && f->is_object()) {
    t.font_regular = f->value("regular", t.font_regular);
    t.font_mono = f->value("mono", t.font_mono);
    t.font_size = f->value("size", t.font_size);
  }
  t.rounding = j.value("rounding", t.rounding);
  if (auto c = j.find("colors"); c != j.end() && c->is_object()) {
    for (const auto& [name, value] : c->items()) {
      ImVec4 color;
      if (value.is_string() && parse_color(value.get<std::string>(), &color))
        t.colors[name] = color;
      else if (warning)
        *warning = "theme colour '" + name + "' is not #rrggbb[aa]; ignored";
    }
  }
  return t;
}

void apply_theme(const Theme& theme, float scale, ImFont* mono) {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  for (float* r : {&style.ChildRounding, &style.FrameRounding, &style.PopupRounding,
                   &style.GrabRounding, &style.TabRounding, &style.ScrollbarRounding})
    *r = theme.rounding;
  style.WindowPadding = ImVec2(10, 8);
  style.FramePadding = ImVec2(7, 4);
  style.ItemSpacing = ImVec2(8, 6);
  style.CellPadding = ImVec2(6, 3);
  style.ScrollbarSize = 13;
  style.WindowBorderSize = 0;
  style.ChildBorderSize = 1;
  style.PopupBorderSize = 1;
  style.ScaleAllSizes(scale);

  auto color = [&](const char* name, ImVec4 fallback) {
    auto it = theme.colors.find(name);
    return it != theme.colors.end() ? it->second : fallback;
  };
  Palette p;
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = color("window", ImVec4(0.106f, 0.122f, 0.141f, 1));
  c[ImGuiCol_ChildBg] = color("panel", ImVec4(0.125f, 0.145f, 0.169f, 1));
  c[ImGuiCol_PopupBg] = color("popup", ImVec4(0.149f, 0.173f, 0.2f, 1));
  c[ImGuiCol_Border] = color("border", ImVec4(0.212f, 0.239f, 0.275f, 1));
  c[ImGuiCol_Separator] = c[ImGuiCol_Border];
  c[ImGuiCol_TableBorderStrong] = c[ImGuiCol_Border];
  c[ImGuiCol_TableBorderLight] = c[ImGuiCol_Border];
  c[ImGuiCol_FrameBg] = color("frame", ImVec4(0.169f, 0.192f, 0.224f, 1));
  c[ImGuiCol_FrameBgHovered] = color("frame_hover", ImVec4(0.208f, 0.239f, 0.278f, 1));
  c[ImGuiCol_FrameBgActive] = c[ImGuiCol_FrameBgHovered];
  c[ImGuiCol_Button] = color("button", ImVec4(0.184f, 0.216f, 0.259f, 1));
  c[ImGuiCol_ButtonHovered] = color("button_hover", ImVec4(0.231f, 0.275f, 0.329f, 1));
  c[ImGuiCol_ButtonActive] = color("button_active", ImVec4(0.184f, 0.373f, 0.561f, 1));
  c[ImGuiCol_Header] = color("header", ImVec4(0.165f, 0.204f, 0.251f, 1));
  c[ImGuiCol_HeaderHovered] = color("header_hover", ImVec4(0.2f, 0.255f, 0.322f, 1));
  c[ImGuiCol_HeaderActive] = c[ImGuiCol_ButtonActive];
  c[ImGuiCol_Tab] = color("tab", ImVec4(0.137f, 0.165f, 0.196f, 1));
  c[ImGuiCol_TabHovered] = c[ImGuiCol_ButtonHovered];
  c[ImGuiCol_TabActive] = color("tab_active", ImVec4(0.184f, 0.227f, 0.282f, 1));
  c[ImGuiCol_TableHeaderBg] = color("table_header", ImVec4(0.149f, 0.176f, 0.208f, 1));
  c[ImGuiCol_TableRowBgAlt] = color("row_alt", ImVec4(1, 1, 1, 0.03f));
  c[ImGuiCol_Text] = p.text = color("text", p.text);
  c[ImGuiCol_TextDisabled] = p.muted = color("muted", p.muted);
  p.accent = color("accent", p.accent);
  c[ImGuiCol_CheckMark] = p.accent;
  c[ImGuiCol_SliderGrab] = p.accent;
  c[ImGuiCol_SliderGrabActive] = p.accent;
  c[ImGuiCol_PlotHistogram] = p.accent;
  c[ImGuiCol_TextSelectedBg] = ImVec4(p.accent.x, p.accent.y, p.accent.z, 0.35f);
  c[ImGuiCol_ModalWindowDimBg] = ImVec4(0, 0, 0, 0.55f);
  p.ok = color("ok", p.ok);
  p.warning = color("warning", p.warning);
  p.error = color("error", p.error);
  p.offline = color("offline", p.offline);
  p.changed_bg = color("changed_bg", p.changed_bg);
  p.merged_bg = color("merged_bg", p.merged_bg);
  p.chart_pulled = color("chart_pulled", p.chart_pulled);
  p.chart_pushed = color("chart_pushed", p.chart_pushed);
  p.chart_duration = color("chart_duration", p.chart_duration);
  p.mono = mono;
  set_palette(p);
}

}  // namespace craftsync::console
