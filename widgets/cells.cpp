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

// Whether the text fits `width`, measuring it only when its byte count leaves a doubt.
bool fits(std::string_view text, float width) {
  return static_cast<float>(text.size()) * widest_advance() <= width ||
         ImGui::CalcTextSize(text.data(), text.data() + text.size()).x <= width;
}

// A text known not to fit: its longest start that does, with the ellipsis.
std::string cut(std::string_view text, float width) {
  float ellipsis = ImGui::CalcTextSize(glyph::kEllipsis).x;
  if (ellipsis > width) return "";
  // One pass: the font stops where the width left for the text runs out.
  const char* begin = text.data();
  const char* end = begin + text.size();
  const char* stop = end;
  ImGui::GetFont()->CalcTextSizeA(ImGui::GetFontSize(), width - ellipsis, 0.0f, begin, end, &stop);
  while (stop > begin && stop < end && utf8_continuation(*stop)) --stop;
  return std::string(begin, stop) + glyph::kEllipsis;
}

}  // namespace

std::string fit_text(std::string_view text, float width) {
  return fits(text, width) ? std::string(text) : cut(text, width);
}

void text_fitted(const std::string& text, const ImVec4* color) {
  float avail = ImGui::GetContentRegionAvail().x;
  bool whole = fits(text, avail);
  std::string shown = whole ? std::string() : cut(text, avail);  // no copy when it fits
  const std::string& drawn = whole ? text : shown;
  if (color)
    ImGui::TextColored(*color, "%s", drawn.c_str());
  else
    ImGui::TextUnformatted(drawn.c_str(), drawn.c_str() + drawn.size());
  probe_text(drawn);
  if (!whole && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
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
