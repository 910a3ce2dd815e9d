#pragma once
// Text in a bounded space, as tables and detail panes show it: cut with an ellipsis (the whole
// text in a tooltip), right-aligned numbers, links that follow a reference, and the clipboard
// (copy an id, a cell, a row, a record's JSON).
//
// Threading: the render thread only (ImGui).

#include <imgui.h>

#include <string>
#include <string_view>

namespace craftsync::console {

/// The longest start of `text` that fits `width` px with an ellipsis after it (whole UTF-8
/// characters only); `text` itself when it fits, and "" when not even the ellipsis does.
std::string fit_text(std::string_view text, float width);
/// Draws `text` cut to the space left on the line; hovering a cut text shows all of it.
void text_fitted(const std::string& text, const ImVec4* color = nullptr);
/// Draws `text` against the right edge of the space left on the line (amounts, counts).
void text_right(const std::string& text);
/// A text that looks like a link and follows it when clicked; `tooltip` shows on hover.
bool text_link(const char* label, const std::string& tooltip = "");
/// For the last item: the id in a tooltip on hover, and "Copy id" on right-click.
void id_hover(const std::string& id, const char* popup_id);
/// Puts text on the clipboard.
void copy_text(const std::string& text);

}  // namespace craftsync::console
