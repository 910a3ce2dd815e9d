#include "widgets/verify_strip.hpp"

#include <imgui.h>

#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

std::string cost_text(const VerifyReport& r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld requests, %.1f kB, %.0f ms",
                static_cast<long long>(r.cost.requests), static_cast<double>(r.cost.bytes) / 1000,
                r.ms);
  return buf;
}

void id_list(const char* what, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  ImGui::TextColored(palette().muted, "%s (%zu)", what, ids.size());
  push_mono();
  for (std::size_t i = 0; i < ids.size() && i < 200; ++i) ImGui::BulletText("%s", ids[i].c_str());
  if (ids.size() > 200) ImGui::BulletText("and %zu more", ids.size() - 200);
  pop_mono();
}

}  // namespace

void VerifyStrip::draw_button(const Snapshot& s, Commands& out) {
  ImGui::SameLine();
  bool busy = s.verify.running || s.sync.running;
  ImGui::BeginDisabled(!s.loaded || busy || !s.remote.configured());
  if (ui_button(s.verify.running ? "Verifying...##verify" : "Verify##verify"))
    out.push(VerifyNow{});
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        "Prove that this database holds what the server holds: pull, then compare\n"
        "checksums (a few kilobytes), down to the records that differ.");
}

void VerifyStrip::draw_result(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  const Palette& p = palette();
  const VerifyState& v = s.verify;
  if (v.running) {
    ImGui::TextColored(p.muted, "%s %s", v.repairing ? "Repairing and verifying" : "Verifying",
                       glyph::kEllipsis);
    ImGui::SameLine();
    if (ui_small_button("Cancel##verify")) out.push(CancelSync{});
    return;
  }
  if (!v.error.empty()) {
    ImGui::TextColored(p.error, "%s Verify could not run: %s", glyph::kCross, v.error.c_str());
    return;
  }
  if (!v.report) return;
  const VerifyReport& r = *v.report;
  std::string when = v.finished_ms ? " " + time_ago(v.finished_ms, now_ms) : "";
  ImGui::TextColored(r.ok ? p.ok : p.warning, "%s %s", r.ok ? glyph::kCheck : glyph::kWarning,
                     r.summary().c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s%s", cost_text(r).c_str(), when.c_str());
  ImGui::SameLine();
  if (ui_small_button("Details##verify")) details_open = true;
  if (!r.ok) {
    ImGui::SameLine();
    ImGui::BeginDisabled(s.sync.running);
    if (ui_small_button("Repair##verify")) out.push(VerifyNow{true});
    ImGui::EndDisabled();
  }
  if (!details_open) return;
  float em = ImGui::GetFontSize();
  ImGui::SetNextWindowSize(ImVec2(40 * em, 24 * em), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Verify details###verify_details", &details_open)) {
    ImGui::TextWrapped("%s.", r.summary().c_str());
    ImGui::TextColored(p.muted, "%s%s", cost_text(r).c_str(), when.c_str());
    ImGui::Separator();
    if (ImGui::BeginTable("##verify_table", 6,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
      for (const char* h : {"Entity", "Here", "Server", "Pending", "Differ", "Result"})
        ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      for (const EntityCheck& c : r.entities) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(std::string(entity_name(c.entity)).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(thousands(c.local).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(thousands(c.server).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(thousands(c.pending).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(thousands(differences(c)).c_str());
        ImGui::TableNextColumn();
        if (c.clean())
          ImGui::TextColored(p.ok, "%s match", glyph::kCheck);
        else
          ImGui::TextColored(p.warning, "%s differ", glyph::kWarning);
      }
      ImGui::EndTable();
    }
    for (const EntityCheck& c : r.entities) {
      if (c.clean()) continue;
      ImGui::Separator();
      ImGui::TextUnformatted(std::string(entity_name(c.entity)).c_str());
      id_list("Missing here", c.missing_locally);
      id_list("Missing on the server", c.missing_on_server);
      id_list("Different here", c.differ);
    }
    if (!r.ok)
      ImGui::TextColored(p.muted,
                         "Repair fetches these again from the server (records with pending "
                         "changes are left alone).");
  }
  ImGui::End();
}

}  // namespace craftsync::console
