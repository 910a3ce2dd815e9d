#include "widgets/status_badge.hpp"

#include "core/clock.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

std::string auto_label(const Snapshot& s) {
  return s.settings.auto_sync_enabled ? "Auto: " + interval_text(s.settings.sync_interval_minutes)
                                      : std::string("Auto: off");
}

void row(const char* label, const std::string& value, const ImVec4* color = nullptr) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextColored(palette().muted, "%s", label);
  ImGui::TableNextColumn();
  ImGui::PushTextWrapPos(0.0f);  // long values (an error, a URL) wrap at the column's edge
  if (color)
    ImGui::TextColored(*color, "%s", value.c_str());
  else
    ImGui::TextUnformatted(value.c_str());
  ImGui::PopTextWrapPos();
}

const char* link_text(Link l) {
  switch (l) {
    case Link::unconfigured:
      return "not configured";
    case Link::unknown:
      return "not contacted yet";
    case Link::online:
      return "online";
    case Link::offline:
      return "offline";
    case Link::auth_error:
      return "API key refused";
    case Link::error:
      return "error";
  }
  return "";
}

void details(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  ImGui::TextUnformatted("Connection");
  if (ImGui::BeginTable("##conn", 2, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, 9 * em);
    ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthFixed, 22 * em);
    row("Server", s.remote.url.empty() ? "(none)" : s.remote.url);
    ImVec4 link_color =
        s.connection.link == Link::online                                             ? p.ok
        : s.connection.link == Link::offline                                          ? p.offline
        : (s.connection.link == Link::error || s.connection.link == Link::auth_error) ? p.error
                                                                                      : p.muted;
    row("State", connection_state_text(s), &link_color);
    if (s.settings.live_sync)
      row("Live sync", s.connection.live ? "connected: changes arrive at once" : "not connected");
    if (!s.connection.message.empty()) row("Last error", s.connection.message, &p.error);
    if (s.connection.retry_at_ms > 0)
      row("Next retry", "in " + countdown_text(s.connection.retry_at_ms - now_ms));
    row("Device", short_id(s.status.device_id));
    if (!s.status.fork.at.empty()) {
      // This database was restored from a backup or copied: it took a new device id.
      row("Database", "restored or copied", &p.warning);
      row("New id since", timestamp_text(s.status.fork.at));
    }
    ImGui::EndTable();
  }
  // After an outage, nobody has to wait out the backoff.
  bool failed = s.connection.link == Link::offline || s.connection.link == Link::error;
  if (failed && s.remote.configured() && !s.sync.running) {
    if (ui_button("Retry now")) {
      out.push(SyncNow{});
      ImGui::CloseCurrentPopup();
    }
  }
  ImGui::Separator();
  ImGui::TextUnformatted("Auto-sync");
  if (ImGui::BeginTable("##auto", 2, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, 9 * em);
    ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthFixed, 22 * em);
    row("Auto-sync", s.settings.auto_sync_enabled
                         ? "every " + std::to_string(s.settings.sync_interval_minutes) + " minutes"
                         : std::string("off"));
    if (s.next_auto_sync_ms > 0)
      row("Next run", "in " + countdown_text(s.next_auto_sync_ms - now_ms));
    row("On launch", s.settings.sync_on_launch ? "yes" : "no");
    auto last = unix_ms_from_iso(s.status.last_sync_at);
    row("Last success", last ? time_ago(*last, now_ms) : std::string("never"));
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::TextUnformatted("Statistics");
  const Statistics& st = s.status.stats;
  if (ImGui::BeginTable("##stats", 4, ImGuiTableFlags_SizingFixedFit)) {
    auto pair = [&](const char* k, std::int64_t v, const ImVec4* c = nullptr) {
      ImGui::TableNextColumn();
      ImGui::TextColored(p.muted, "%s", k);
      ImGui::TableNextColumn();
      std::string t = thousands(v);
      if (c)
        ImGui::TextColored(*c, "%s", t.c_str());
      else
        ImGui::TextUnformatted(t.c_str());
    };
    std::string up = std::string("Pushed ") + glyph::kUp,
                down = std::string("Pulled ") + glyph::kDown;
    pair("Total runs", st.total);
    pair("Success", st.success, &p.ok);
    pair("Failed", st.failed, st.failed ? &p.error : nullptr);
    pair("Merged", st.merged);
    pair(up.c_str(), st.pushed);
    pair(down.c_str(), st.pulled);
    pair("Pending", s.status.pending, s.status.pending ? &p.warning : nullptr);
    pair("Conflicts", s.status.open_conflicts, s.status.open_conflicts ? &p.error : nullptr);
    pair("Rejected", s.status.rejected, s.status.rejected ? &p.error : nullptr);
    ImGui::EndTable();
  }
}

}  // namespace

std::string connection_state_text(const Snapshot& s) {
  // "Not contacted" next to an earlier "Last success" says which contact it means.
  if (s.connection.link == Link::unknown && s.connection.settings_changed)
    return "not contacted since the settings changed";
  if (s.connection.link == Link::unknown && !s.status.last_sync_at.empty())
    return "not contacted since the console started";
  return link_text(s.connection.link);
}

BadgeView badge_view(const Snapshot& s, std::int64_t now_ms) {
  const Palette& p = palette();
  BadgeView v;
  if (!s.loaded) {
    v = {BadgeKind::loading,
         s.load_error.empty() ? "Opening local database" + std::string(glyph::kEllipsis)
                              : "Cannot open the local database",
         s.load_error.empty() ? p.muted : p.error};
  } else if (!s.remote.configured()) {
    v = {BadgeKind::unconfigured,
         "No server configured " + std::string(glyph::kDash) + " see Settings", p.warning};
  } else if (s.sync.running) {
    const SyncProgress& pr = s.sync.progress;
    std::string text = s.sync.cancelling ? "Cancelling" + std::string(glyph::kEllipsis)
                                         : "Syncing" + std::string(glyph::kEllipsis);
    int pct = percent(pr.done, pr.total);
    if (!s.sync.cancelling) {
      if (pct >= 0 && pr.total > 0)
        text += " " + std::to_string(pct) + "% (" + thousands(pr.done) + " / " +
                thousands(pr.total) + ")";
      else if (pr.records > 0)
        text += " " + thousands(pr.records) + " records";
      if (pr.phase == SyncPhase::pushing)
        text += " " + std::string(glyph::kUp) + " " + thousands(pr.pushed) + " pushed";
    }
    v = {BadgeKind::syncing, text, p.accent};
  } else if (s.connection.link == Link::offline) {
    std::string text = "Offline";
    if (s.connection.retry_at_ms > 0)
      text += " " + std::string(glyph::kDash) + " retrying in " +
              countdown_text(s.connection.retry_at_ms - now_ms);
    v = {BadgeKind::offline, text, p.offline};
  } else if (s.connection.link == Link::auth_error) {
    v = {BadgeKind::auth_error, "API key refused " + std::string(glyph::kDash) + " check Settings",
         p.error};
  } else if (s.connection.link == Link::error) {
    v = {BadgeKind::error, "Sync failed " + std::string(glyph::kDash) + " see Activity", p.error};
  } else if (s.status.open_conflicts > 0) {
    std::int64_t n = s.status.open_conflicts;
    v = {BadgeKind::conflicts,
         std::string(glyph::kWarning) + " " + thousands(n) +
             (n == 1 ? " conflict needs" : " conflicts need") + " attention",
         p.warning};
  } else if (s.connection.live && s.connection.link == Link::online) {
    std::string text = std::string(glyph::kCheck) + " Live";
    if (auto last = unix_ms_from_iso(s.status.last_sync_at))
      text += " " + std::string(glyph::kDash) + " synced " + time_ago(*last, now_ms);
    v = {BadgeKind::live, text, p.ok};
  } else if (auto last = unix_ms_from_iso(s.status.last_sync_at)) {
    v = {BadgeKind::synced,
         std::string(glyph::kCheck) + " Synced " + time_ago(*last, now_ms) + " (" + auto_label(s) +
             ")",
         p.ok};
  } else {
    v = {BadgeKind::never_synced, "Not synced yet (" + auto_label(s) + ")", p.muted};
  }
  return v;
}

void StatusBadge::draw(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  conflicts_clicked = false;
  BadgeView v = badge_view(s, now_ms);
  ImVec4 bg = v.color;
  bg.w = 0.18f;
  ImVec4 hover = v.color;
  hover.w = 0.30f;
  ImGui::PushStyleColor(ImGuiCol_Button, bg);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, hover);
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, hover);
  ImGui::PushStyleColor(ImGuiCol_Text, v.color);
  ImGui::PushStyleVar(ImGuiStyleVar_FrameRounding, ImGui::GetFontSize());
  std::string label = v.text + "##status_badge";
  if (ui_button(label.c_str())) {
    if (v.kind == BadgeKind::conflicts) conflicts_clicked = true;
    open_details = true;
  }
  ImGui::PopStyleVar();
  ImGui::PopStyleColor(4);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Click for connection, auto-sync and statistics");
  if (open_details) {
    ImGui::OpenPopup("Sync status##details");
    open_details = false;
  }
  ImVec2 below = ImGui::GetItemRectMin();
  below.y += ImGui::GetFrameHeight() + ImGui::GetStyle().ItemSpacing.y;
  ImGui::SetNextWindowPos(below, ImGuiCond_Appearing);
  if (ImGui::BeginPopup("Sync status##details")) {
    details(s, out, now_ms);
    ImGui::EndPopup();
  }
}

}  // namespace craftsync::console
