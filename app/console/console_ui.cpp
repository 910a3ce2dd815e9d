#include "app/console/console_ui.hpp"

#include <imgui.h>

#include <algorithm>

#include "widgets/focus_order.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

bool can_sync(const Snapshot& s) {
  return s.loaded && s.remote.configured() && !s.sync.running;
}

}  // namespace

void ConsoleUi::draw(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("CraftSync##main", nullptr, flags);
  float em = ImGui::GetFontSize();
  // Below about 1200 px (at the default font) the sidebar would squeeze both it and the tables,
  // so it folds away behind the header's "Settings" button and opens over the main area.
  narrow_ = ImGui::GetContentRegionAvail().x < kNarrowEm * em;
  if (!s.remote.configured() && s.loaded && !sidebar_dismissed_) sidebar_open = true;  // setup
  shortcuts(s, out);
  header(s, out, now_ms);
  float side = kSidebarEm * em;
  ImVec2 below_header = ImGui::GetCursorScreenPos();
  if (!narrow_) {
    ImGui::BeginChild("##sidebar", ImVec2(side, 0), true);
    sync_panel.draw(s, out, now_ms);
    ImGui::EndChild();
    ImGui::SameLine();
  }
  ImGui::BeginChild("##main_area", ImVec2(0, 0), false);
  tabs(s, out, now_ms);
  ImGui::EndChild();
  toast(s);
  ImGui::End();
  if (narrow_ && sidebar_open) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(below_header);
    ImGui::SetNextWindowSize(ImVec2(
        side, vp->WorkPos.y + vp->WorkSize.y - below_header.y - ImGui::GetStyle().WindowPadding.y));
    ImGuiWindowFlags over = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                            ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings;
    if (ImGui::Begin("##sidebar_overlay", nullptr, over)) sync_panel.draw(s, out, now_ms);
    ImGui::End();
  }
  focus_end_frame();
}

void ConsoleUi::shortcuts(const Snapshot& s, Commands& out) {
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.KeyCtrl) return;
  if (ImGui::IsKeyPressed(kKeyS, false) && can_sync(s)) out.push(sync_panel.sync_now_command());
  if (ImGui::IsKeyPressed(kKeyF, false)) {
    select_tab(Tab::data);
    inspector.focus_search = true;
  }
  if (ImGui::IsKeyPressed(kKeyR, false)) out.push(Refresh{});
  for (int i = 0; i < 4; ++i)
    if (ImGui::IsKeyPressed(kKey1 + i, false)) select_tab(static_cast<Tab>(i));
}

void ConsoleUi::header(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(p.accent, "CraftSync");
  ImGui::SameLine();
  ImGui::TextColored(p.muted, "console");
  ImGui::SameLine(0, 1.5f * em);
  badge.draw(s, out, now_ms);
  if (badge.conflicts_clicked) select_tab(Tab::conflicts);

  float right = 8 * em;
  float toggle = narrow_ ? 7 * em + ImGui::GetStyle().ItemSpacing.x : 0;
  ImGui::SameLine(
      std::max(ImGui::GetCursorPosX() + em, ImGui::GetContentRegionMax().x - right - toggle));
  if (narrow_) {
    if (ui_button(sidebar_open ? "Hide settings##sidebar_toggle" : "Settings##sidebar_toggle",
                  ImVec2(7 * em, 0))) {
      sidebar_open = !sidebar_open;
      if (!sidebar_open) sidebar_dismissed_ = true;
    }
    ImGui::SameLine();
  }
  ImGui::BeginDisabled(!can_sync(s));
  if (ui_button("Sync Now##header", ImVec2(right, 0))) out.push(sync_panel.sync_now_command());
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    // Left of the button, not under the cursor: the progress bar's Cancel is right below it.
    ImVec2 at = ImGui::GetItemRectMin();
    ImGui::SetNextWindowPos(ImVec2(at.x - 0.5f * em, at.y), ImGuiCond_Always, ImVec2(1, 0));
    ImGui::SetTooltip(
        "Ctrl+S  sync now\nCtrl+F  search records\nCtrl+R  refresh\nCtrl+1..4  switch tabs");
  }

  // The progress bar's line is kept while idle, so that starting a sync moves nothing.
  if (s.sync.running)
    progress.draw(s, out, now_ms);
  else
    ImGui::Dummy(ImVec2(1, ImGui::GetFrameHeight()));
  if (!s.load_error.empty()) ImGui::TextColored(p.error, "%s", s.load_error.c_str());
  ImGui::Spacing();
}

void ConsoleUi::tabs(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  if (!ImGui::BeginTabBar("##tabs")) return;
  auto flags_for = [&](Tab t) {
    ImGuiTabItemFlags f = 0;
    if (requested_tab_ && *requested_tab_ == t) f |= ImGuiTabItemFlags_SetSelected;
    return f;
  };
  if (ui_tab("Data & metadata###tab_data", nullptr, flags_for(Tab::data))) {
    current_tab_ = Tab::data;
    inspector.draw(s, out, now_ms);
    ImGui::EndTabItem();
  }
  std::int64_t open = s.open_conflicts ? static_cast<std::int64_t>(s.open_conflicts->size()) : 0;
  std::string conflicts_label = open ? "Conflicts (" + std::to_string(open) + ")###tab_conflicts"
                                     : std::string("Conflicts###tab_conflicts");
  if (open) ImGui::PushStyleColor(ImGuiCol_Text, palette().warning);
  bool conflicts_visible = ui_tab(conflicts_label.c_str(), nullptr, flags_for(Tab::conflicts));
  if (open) ImGui::PopStyleColor();
  if (conflicts_visible) {
    current_tab_ = Tab::conflicts;
    ImGui::BeginChild("##conflicts_scroll");
    conflicts.draw(s, out);
    ImGui::EndChild();
    ImGui::EndTabItem();
  }
  if (ui_tab("Statistics###tab_charts", nullptr, flags_for(Tab::charts))) {
    current_tab_ = Tab::charts;
    charts.draw(s, out, now_ms);
    ImGui::EndTabItem();
  }
  if (ui_tab("Activity###tab_activity", nullptr, flags_for(Tab::activity))) {
    current_tab_ = Tab::activity;
    activity.draw(s, out, now_ms);
    ImGui::EndTabItem();
  }
  requested_tab_.reset();
  ImGui::EndTabBar();
}

void ConsoleUi::toast(const Snapshot& s) {
  if (!events_baseline_set_ && s.loaded) {
    // Notices from before the window showed are in the Activity tab, not toasts.
    last_event_seen_ = s.events && !s.events->empty() ? s.events->back().id : 0;
    events_baseline_set_ = true;
  }
  if (events_baseline_set_ && s.events && !s.events->empty() &&
      s.events->back().id > last_event_seen_) {
    const Event& e = s.events->back();
    toast_text_ = e.text;
    toast_error_ = e.level == Event::Level::error;
    toast_until_ = ImGui::GetTime() + (toast_error_ ? 8.0 : 4.0);
    last_event_seen_ = e.id;
  }
  if (ImGui::GetTime() > toast_until_ || toast_text_.empty()) return;
  note_redraw_in(static_cast<std::int64_t>((toast_until_ - ImGui::GetTime()) * 1000) + 1);
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + vp->WorkSize.x - em, vp->WorkPos.y + vp->WorkSize.y - em),
      ImGuiCond_Always, ImVec2(1, 1));
  ImGui::SetNextWindowBgAlpha(0.94f);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                           ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                           ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoInputs;
  ImGui::PushStyleColor(ImGuiCol_Border, toast_error_ ? p.error : p.accent);
  if (ImGui::Begin("##toast", nullptr, flags)) {
    ImGui::PushTextWrapPos(32 * em);
    ImGui::TextColored(toast_error_ ? p.error : p.text, "%s", toast_text_.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::End();
  ImGui::PopStyleColor();
}

}  // namespace craftsync::console
