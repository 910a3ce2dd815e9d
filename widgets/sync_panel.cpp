#include "widgets/sync_panel.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <cstdio>

#include "widgets/focus_order.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

constexpr const char* kEntities[] = {"All", "Customers", "Quotes", "Orders"};
constexpr const char* kDirections[] = {"Both", "Push", "Pull"};
constexpr const char* kPolicies[] = {"Remote wins (default)", "Local wins", "Ask me (manual)"};
constexpr ConflictPolicy kPolicyValues[] = {ConflictPolicy::remote, ConflictPolicy::local,
                                            ConflictPolicy::manual};

int policy_index(ConflictPolicy p) {
  for (int i = 0; i < 3; ++i)
    if (kPolicyValues[i] == p) return i;
  return 0;
}

bool combo(const char* label, int* index, const char* const* items, int count) {
  bool changed = false;
  if (ui_begin_combo(label, items[*index])) {
    for (int i = 0; i < count; ++i) {
      if (ui_selectable(items[i], i == *index)) {
        *index = i;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

void label(const char* text) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(text);
  ImGui::SameLine(ImGui::GetFontSize() * 6.5f);
}

}  // namespace

SettingsForm SettingsForm::from(const Snapshot& s) {
  SettingsForm f;
  f.auto_sync = s.settings.auto_sync_enabled;
  f.interval_minutes = s.settings.sync_interval_minutes;
  f.policy = policy_index(s.settings.conflict_resolution);
  f.sync_on_launch = s.settings.sync_on_launch;
  f.live_sync = s.settings.live_sync;
  f.url = s.remote.url;
  f.api_key = s.remote.api_key;
  return f;
}

std::string SettingsForm::problem() const {
  if (interval_minutes < 5 || interval_minutes > 1440)
    return "The interval must be from 5 to 1440 minutes (24 hours).";
  if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return "The server URL must start with http:// or https://.";
  if (!url.empty() && api_key.empty()) return "Enter the API key for this server.";
  return "";
}

std::optional<SaveSettings> SettingsForm::save_command(const Snapshot& s) const {
  if (!problem().empty()) return std::nullopt;
  SaveSettings c;
  c.settings.auto_sync_enabled = auto_sync;
  c.settings.sync_interval_minutes = interval_minutes;
  c.settings.conflict_resolution = kPolicyValues[policy];
  c.settings.sync_on_launch = sync_on_launch;
  c.settings.live_sync = live_sync;
  c.save_remote = url != s.remote.url || api_key != s.remote.api_key;
  c.url = url;
  c.api_key = api_key;
  return c;
}

SyncNow SyncPanel::sync_now_command() const {
  SyncNow c;
  if (entity > 0) c.entities = {kEntitiesInFkOrder[static_cast<std::size_t>(entity - 1)]};
  c.direction = direction == 1   ? Direction::push
                : direction == 2 ? Direction::pull
                                 : Direction::both;
  return c;
}

void SyncPanel::draw(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  if (!editing) form = SettingsForm::from(s);
  if (!s.remote.configured() && s.loaded) {
    if (!seen_unconfigured_) focus_url = true;
    seen_unconfigured_ = true;
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(palette().warning.x, palette().warning.y,
                                                   palette().warning.z, 0.14f));
    const char* text =
        "Enter the server URL and API key under Server below, then Save. You can keep working "
        "offline meanwhile; changes wait in the outbox.";
    const ImGuiStyle& style = ImGui::GetStyle();
    float inner = ImGui::GetContentRegionAvail().x - 2 * style.WindowPadding.x;
    float height = ImGui::GetTextLineHeightWithSpacing() +
                   ImGui::CalcTextSize(text, nullptr, false, inner).y + 2 * style.WindowPadding.y +
                   style.ItemSpacing.y;
    ImGui::BeginChild("##first_run", ImVec2(0, height), true, ImGuiWindowFlags_NoScrollbar);
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(palette().warning, "No server configured yet");
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    ImGui::PopStyleColor();
  }
  if (ImGui::CollapsingHeader("Sync now", ImGuiTreeNodeFlags_DefaultOpen)) draw_manual(s, out);
  if (ImGui::CollapsingHeader("Automatic sync", ImGuiTreeNodeFlags_DefaultOpen))
    draw_auto(s, now_ms);
  if (!s.remote.configured()) ImGui::SetNextItemOpen(true, ImGuiCond_Always);
  if (ImGui::CollapsingHeader("Server", ImGuiTreeNodeFlags_DefaultOpen)) draw_server(s, out);

  ImGui::Spacing();
  ImGui::Separator();
  std::string problem = form.problem();
  if (!problem.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(palette().error, "%s", problem.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::BeginDisabled(!editing || !problem.empty() || !s.loaded);
  if (ui_button("Save settings")) {
    if (auto c = form.save_command(s)) {
      out.push(*c);
      editing = false;
    }
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!editing);
  if (ui_button("Revert")) editing = false;
  ImGui::EndDisabled();
  if (editing) {
    ImGui::SameLine();
    ImGui::TextColored(palette().warning, "unsaved changes");
  }
}

void SyncPanel::draw_manual(const Snapshot& s, Commands& out) {
  float em = ImGui::GetFontSize();
  label("Entity");
  ImGui::SetNextItemWidth(-1);
  combo("##entity", &entity, kEntities, 4);
  label("Direction");
  for (int i = 0; i < 3; ++i) {
    if (i) ImGui::SameLine();
    std::string l = std::string(kDirections[i]) + "##direction";
    if (ui_radio(l.c_str(), direction == i)) direction = i;
  }
  bool can_sync = s.loaded && s.remote.configured() && !s.sync.running;
  ImGui::BeginDisabled(!can_sync);
  if (ui_button("Sync Now", ImVec2(8 * em, 0))) out.push(sync_now_command());
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(s.remote.configured() ? "Push local changes and pull the server's (Ctrl+S)"
                                            : "Configure a server first");
  ImGui::SameLine();
  ImGui::BeginDisabled(!s.sync.running || s.sync.cancelling);
  if (ui_button("Cancel", ImVec2(6 * em, 0))) out.push(CancelSync{});
  ImGui::EndDisabled();
  ImGui::TextColored(palette().muted, "%s pending %s %s in the outbox",
                     thousands(s.status.pending).c_str(), glyph::kDot,
                     thousands(s.status.outbox).c_str());
}

void SyncPanel::draw_auto(const Snapshot& s, std::int64_t now_ms) {
  float em = ImGui::GetFontSize();
  SettingsForm before = form;
  ui_checkbox("Auto-sync", &form.auto_sync);
  ImGui::SameLine();
  ImGui::TextColored(palette().muted, "every");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(6.5f * em);
  ImGui::BeginDisabled(!form.auto_sync);
  ImGui::InputInt("min##interval", &form.interval_minutes, 5, 60);
  ImGui::PushID("min##interval");
  ImGuiID interval_id = ImGui::GetID("");  // InputInt's own text field
  ImGui::PopID();
  focus_stop("interval", false, interval_id);
  ImGui::EndDisabled();
  // Each status line is always one line, whatever is being edited, so nothing below moves
  // under the pointer (a click meant for Test connection lands on it).
  if (form.interval_minutes < 5 || form.interval_minutes > 1440)
    ImGui::TextColored(palette().error, "5 to 1440 minutes");
  else if (editing)
    ImGui::TextColored(palette().muted, "next automatic sync: set when saved");
  else if (s.next_auto_sync_ms > 0)
    ImGui::TextColored(palette().muted, "next automatic sync in %s",
                       countdown_text(s.next_auto_sync_ms - now_ms).c_str());
  else
    ImGui::TextColored(palette().muted, "no automatic sync");
  ui_checkbox("Sync on launch", &form.sync_on_launch);
  ui_checkbox("Live sync", &form.live_sync);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Keep a connection open so that changes arrive, and go out, as they happen");
  if (form.live_sync != s.settings.live_sync)
    ImGui::TextColored(palette().muted, "live: %s when saved", form.live_sync ? "on" : "off");
  else if (form.live_sync)
    ImGui::TextColored(
        s.connection.live ? palette().ok : palette().muted, "%s",
        s.connection.live ? "live: changes arrive as they happen" : "live: not connected");
  else
    ImGui::TextColored(palette().muted, "live: off");
  label("Conflicts");
  ImGui::SetNextItemWidth(-1);
  combo("##policy", &form.policy, kPolicies, 3);
  if (!(form == before)) editing = true;
}

void SyncPanel::draw_server(const Snapshot& s, Commands& out) {
  float em = ImGui::GetFontSize();
  SettingsForm before = form;
  label("URL");
  ImGui::SetNextItemWidth(-1);
  if (focus_url) {
    ImGui::SetKeyboardFocusHere();
    focus_url = false;
  }
  ui_input_text("##url", "https://sync.example.com", &form.url);
  label("API key");
  ImGui::SetNextItemWidth(-5.5f * em);
  ui_input_text("##key", "paste the key", &form.api_key,
                show_key ? ImGuiInputTextFlags_None : ImGuiInputTextFlags_Password);
  ImGui::SameLine();
  ui_checkbox("Show", &show_key);
  if (!(form == before)) editing = true;
  if (!s.remote.source.empty())
    ImGui::TextColored(palette().muted, "from the %s", s.remote.source.c_str());
  if (!s.remote.warning.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(palette().warning, "%s", s.remote.warning.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::BeginDisabled(s.testing_connection || form.url.empty() || !s.loaded);
  if (ui_button(s.testing_connection ? "Testing...##test" : "Test connection##test"))
    out.push(TestConnection{form.url, form.api_key});
  ImGui::EndDisabled();
  draw_connection_test(s);
}

void SyncPanel::draw_connection_test(const Snapshot& s) {
  // A result speaks for the URL and key it was run with: once either field changes (Revert
  // included), it no longer shows.
  if (!s.connection_test || s.testing_connection) return;
  if (s.connection_test_url != form.url || s.connection_test_key != form.api_key) return;
  const ConnectionReport& r = *s.connection_test;
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  bool ok = r.ok();
  ImGui::TextColored(ok ? p.ok : p.error, "%s %s", ok ? glyph::kCheck : glyph::kCross,
                     ok ? "Connection works" : "Connection failed");
  if (ImGui::BeginTable("##conn_test", 2, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, 7 * em);
    ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
    auto row = [&](const char* k, const std::string& v, ImVec4 c) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(p.muted, "%s", k);
      ImGui::TableNextColumn();
      ImGui::PushTextWrapPos(0);
      ImGui::TextColored(c, "%s", v.c_str());
      ImGui::PopTextWrapPos();
    };
    char buf[64];
    row("Reachable", r.reachable ? "yes" : "no", r.reachable ? p.ok : p.error);
    if (r.reachable) {
      row("Auth", r.authenticated ? "yes, role " + r.role : std::string("refused"),
          r.authenticated ? p.ok : p.error);
      if (!r.server_version.empty())
        row("Server", r.server_version + (r.backend.empty() ? "" : " (" + r.backend + ")"), p.text);
    }
    if (r.authenticated) {
      std::snprintf(buf, sizeof buf, "%.1f ms", r.round_trip_ms);
      row("Latency", buf, p.text);
      std::snprintf(buf, sizeof buf, "%+.0f ms", r.clock_skew_ms);
      bool skewed = r.clock_skew_ms > 60000 || r.clock_skew_ms < -60000;
      row("Clock skew", buf, skewed ? p.warning : p.text);
      row("Protocol", std::to_string(r.protocol), p.text);
    }
    if (!r.error.empty()) row("Error", r.error, p.error);
    ImGui::EndTable();
    probe_item("##conn_test");  // lets tests see whether a result is on screen
  }
}

}  // namespace craftsync::console
