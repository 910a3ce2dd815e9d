#include "widgets/sync_progress.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {

float progress_fraction(const SyncActivity& a) {
  int pct = percent(a.progress.done, a.progress.total);
  return pct < 0 ? -1.0f
                 : static_cast<float>(a.progress.done) / static_cast<float>(a.progress.total);
}

std::string progress_text(const SyncActivity& a, std::int64_t now_ms) {
  const SyncProgress& p = a.progress;
  std::string text;
  if (a.cancelling)
    text = "Cancelling" + std::string(glyph::kEllipsis);
  else if (p.phase == SyncPhase::pulling && p.total > 0)
    text = "Pulling " + thousands(p.done) + " / " + thousands(p.total);
  else if (p.phase == SyncPhase::pulling)
    text = "Pulling " + thousands(p.records) + " records";
  else if (p.phase == SyncPhase::pushing)
    text = "Pushing " + std::string(glyph::kUp) + " " + thousands(p.pushed) + " sent";
  else if (p.phase == SyncPhase::recovering)
    text = "Checking unfinished pushes";
  else
    text = "Starting" + std::string(glyph::kEllipsis);
  if (p.records_per_second > 0 && p.phase == SyncPhase::pulling && !a.cancelling) {
    text += " (" + thousands(static_cast<std::int64_t>(std::llround(p.records_per_second))) +
            " records/s)";
  }
  if (a.started_ms > 0)
    text += " " + std::string(glyph::kDot) + " " + duration_text(now_ms - a.started_ms);
  return text;
}

void SyncProgressBar::draw(const Snapshot& s, Commands& out, std::int64_t now_ms) {
  if (!s.sync.running) return;
  float em = ImGui::GetFontSize();
  float fraction = progress_fraction(s.sync);
  std::string text = progress_text(s.sync, now_ms);
  if (fraction < 0) {
    // Unknown total: a bar that moves, so the window does not look frozen.
    fraction = std::fmod(static_cast<float>(ImGui::GetTime()) * 0.35f, 1.0f);
  }
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, palette().accent);
  ImGui::ProgressBar(fraction, ImVec2(-7 * em, 0), text.c_str());
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::BeginDisabled(s.sync.cancelling);
  if (ui_button("Cancel##progress", ImVec2(-1, 0))) out.push(CancelSync{});
  ImGui::EndDisabled();
}

}  // namespace craftsync::console
