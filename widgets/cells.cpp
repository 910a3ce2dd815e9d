#include "widgets/cells.hpp"

#include <algorithm>

#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

bool utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The widest advance of the current font: a text of n bytes is at most n times this wide, so a
// table cell that surely fits is drawn without measuring it.
float widest_advance() {
  static const ImFont* font = nullptr;
  static float size = 0, widest = 0;
  ImFont* f = ImGui::GetFont();
  if (f != font || ImGui::GetFontSize() != size) {
    font = f;
    size = ImGui::GetFontSize();
    widest = f->FallbackAdvanceX;
    for (float a : f->IndexAdvanceX) widest = std::max(widest, a);
    widest *= size / f->FontSize;
  }
  return widest;
}

}  // namespace

std::string fit_text(std::string_view text, float width) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (ImGui::CalcTextSize(begin, end).x <= width) return std::string(text);
  float ellipsis = ImGui::CalcTextSize(glyph::kEllipsis).x;
  if (ellipsis > width) return "";
  // One pass: the font stops where the width left for the text runs out.
  const char* stop = end;
  ImFont* font = ImGui::GetFont();
  font->CalcTextSizeA(ImGui::GetFontSize(), width - ellipsis, 0.0f, begin, end, &stop);
  while (stop > begin && stop < end && utf8_continuation(*stop)) --stop;
  return std::string(begin, stop) + glyph::kEllipsis;
}

void text_fitted(const std::string& text, const ImVec4* color) {
  float avail = ImGui::GetContentRegionAvail().x;
  if (static_cast<float>(text.size()) * widest_advance() <= avail ||
      ImGui::CalcTextSize(text.c_str(), text.c_str() + text.size()).x <= avail) {
    // Fits: drawn as it is (the common case in a table: no copy).
    if (color)
      ImGui::TextColored(*color, "%s", text.c_str());
    else
      ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
    probe_text(text);
    return;
  }
  std::string shown = fit_text(text, avail);
  if (color)
    ImGui::TextColored(*color, "%s", shown.c_str());
  else
    ImGui::TextUnformatted(shown.c_str());
  probe_text(shown);
  if (shown != text && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

void text_right(const std::string& text) {
  float w = ImGui::CalcTextSize(text.c_str()).x;
  float avail = ImGui::GetContentRegionAvail().x;
  if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
  ImGui::TextUnformatted(text.c_str());
  probe_text(text);
}

bool text_link(const char* label, const std::string& tooltip) {
  const Palette& p = palette();
  ImGui::PushStyleColor(ImGuiCol_Text, p.accent);
  ImGui::PushStyleColor(ImGuiCol_Header, ImVec4(0, 0, 0, 0));
  std::string id = label;
  std::string visible = id.substr(0, id.find("##"));
  ImVec2 size = ImGui::CalcTextSize(visible.c_str());
  size.x = std::min(size.x, ImGui::GetContentRegionAvail().x);
  bool clicked = ui_selectable(label, false, ImGuiSelectableFlags_DontClosePopups, size);
  ImGui::PopStyleColor(2);
  if (ImGui::IsItemHovered()) {
    ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x, b.y), b, ImGui::GetColorU32(p.accent));
    if (!tooltip.empty()) ImGui::SetTooltip("%s", tooltip.c_str());
  }
  return clicked;
}

void id_hover(const std::string& id, const char* popup_id) {
  if (ImGui::IsItemHovered() && !ImGui::IsPopupOpen(popup_id))
    ImGui::SetTooltip("id %s", id.c_str());
  if (ImGui::BeginPopupContextItem(popup_id)) {
    if (ui_selectable("Copy id", false)) copy_text(id);
    ImGui::EndPopup();
  }
}

void copy_text(const std::string& text) {
  ImGui::SetClipboardText(text.c_str());
}

}  // namespace craftsync::console
