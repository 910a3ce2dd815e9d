#include "widgets/cells.hpp"

#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

bool utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::string fit_text(std::string_view text, float width) {
  if (ImGui::CalcTextSize(text.data(), text.data() + text.size()).x <= width)
    return std::string(text);
  float ellipsis = ImGui::CalcTextSize(glyph::kEllipsis).x;
  if (ellipsis > width) return "";
  // Binary search for the longest prefix that fits with the ellipsis.
  std::size_t lo = 0, hi = text.size();
  while (lo < hi) {
    std::size_t mid = (lo + hi + 1) / 2;
    if (ImGui::CalcTextSize(text.data(), text.data() + mid).x + ellipsis <= width)
      lo = mid;
    else
      hi = mid - 1;
  }
  while (lo > 0 && lo < text.size() && utf8_continuation(text[lo])) --lo;
  return std::string(text.substr(0, lo)) + glyph::kEllipsis;
}

void text_fitted(const std::string& text, const ImVec4* color) {
  std::string shown = fit_text(text, ImGui::GetContentRegionAvail().x);
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
