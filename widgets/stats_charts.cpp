#include "widgets/stats_charts.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/clock.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

struct Plot {
  ImVec2 min, max;
  int hovered = -1;  // index under the mouse
};

// Reserves the chart's rectangle and finds the run under the mouse.
Plot begin_plot(const char* id, std::size_t count, float height) {
  Plot p;
  float em = ImGui::GetFontSize();
  ImVec2 pos = ImGui::GetCursorScreenPos();
  float width = std::max(10 * em, ImGui::GetContentRegionAvail().x);
  ImGui::InvisibleButton(id, ImVec2(width, height));
  p.min = ImVec2(pos.x + 4 * em, pos.y + 0.3f * em);  // room for axis labels
  p.max = ImVec2(pos.x + width - 0.5f * em, pos.y + height - 0.3f * em);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p.min, p.max, ImGui::GetColorU32(ImGuiCol_FrameBg), 3.0f);
  if (ImGui::IsItemHovered() && count > 0) {
    float x = ImGui::GetIO().MousePos.x;
    float slot = (p.max.x - p.min.x) / static_cast<float>(count);
    int i = static_cast<int>((x - p.min.x) / slot);
    if (i >= 0 && i < static_cast<int>(count)) p.hovered = i;
  }
  return p;
}

void axis_label(const Plot& p, float frac, const std::string& text) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float y = p.max.y - frac * (p.max.y - p.min.y);
  ImU32 grid = ImGui::GetColorU32(ImGuiCol_Separator, 0.5f);
  dl->AddLine(ImVec2(p.min.x, y), ImVec2(p.max.x, y), grid);
  ImVec2 size = ImGui::CalcTextSize(text.c_str());
  dl->AddText(ImVec2(p.min.x - size.x - 0.3f * ImGui::GetFontSize(), y - size.y * 0.5f),
              ImGui::GetColorU32(palette().muted), text.c_str());
}

std::string short_count(double v) {
  char buf[32];
  if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.0fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

void run_tooltip(const RunPoint& r, std::int64_t now_ms) {
  ImGui::BeginTooltip();
  ImGui::Text("Run %lld (%s) %s %s", static_cast<long long>(r.id), r.trigger.c_str(), glyph::kDot,
              time_ago(r.at_ms, now_ms).c_str());
  ImGui::Text("%s %s pulled   %s %s pushed", glyph::kDown, thousands(r.pulled).c_str(), glyph::kUp,
              thousands(r.pushed).c_str());
  ImGui::Text("Took %s", duration_text(r.duration_ms).c_str());
  if (!r.ok) ImGui::TextColored(palette().error, "Failed: %s", r.error.c_str());
  ImGui::EndTooltip();
}

void legend(const ImVec4& color, const char* text) {
  float em = ImGui::GetFontSize();
  ImGui::ColorButton(text, color, ImGuiColorEditFlags_NoTooltip, ImVec2(0.8f * em, 0.8f * em));
  ImGui::SameLine();
  ImGui::TextUnformatted(text);
}

}  // namespace

float log_scale(std::int64_t n) {
  return static_cast<float>(std::log10(1.0 + static_cast<double>(std::max<std::int64_t>(n, 0))));
}

std::vector<RunPoint> chart_points(const std::vector<RunRecord>& newest_first, std::size_t max) {
  std::vector<RunPoint> out;
  std::size_t n = std::min(max, newest_first.size());
  for (std::size_t i = n; i-- > 0;) {
    const RunRecord& r = newest_first[i];
    out.push_back(RunPoint{r.id, unix_ms_from_iso(r.started_at).value_or(0), r.pushed, r.pulled,
                           r.duration_ms, r.ok, r.trigger, r.error});
  }
  return out;
}

void StatsCharts::draw(const Snapshot& s, Commands&, std::int64_t now_ms) {
  const Palette& pal = palette();
  float em = ImGui::GetFontSize();
  if (s.runs != cached_for_ || window != cached_window_) {
    points_ =
        s.runs ? chart_points(*s.runs, static_cast<std::size_t>(window)) : std::vector<RunPoint>{};
    cached_for_ = s.runs;
    cached_window_ = window;
  }
  const Statistics& st = s.status.stats;
  ImGui::Text("%s runs", thousands(st.total).c_str());
  ImGui::SameLine();
  ImGui::TextColored(pal.ok, "%s ok", thousands(st.success).c_str());
  ImGui::SameLine();
  ImGui::TextColored(st.failed ? pal.error : pal.muted, "%s failed", thousands(st.failed).c_str());
  ImGui::SameLine();
  ImGui::TextColored(pal.muted, "%s", glyph::kDot);
  ImGui::SameLine();
  ImGui::Text("%s %s pulled  %s %s pushed  %s merged  %s", glyph::kDown,
              thousands(st.pulled).c_str(), glyph::kUp, thousands(st.pushed).c_str(),
              thousands(st.merged).c_str(), counted(st.conflicts, "conflict").c_str());
  float slider_w = 7 * em, spacing = ImGui::GetStyle().ItemSpacing.x;
  float block =
      ImGui::CalcTextSize("last").x + ImGui::CalcTextSize("runs").x + slider_w + 3 * spacing;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetContentRegionMax().x - block));
  ImGui::TextColored(pal.muted, "last");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(slider_w);
  ImGui::SliderInt("runs##window", &window, 10, 200);

  if (points_.empty()) {
    ImGui::Spacing();
    ImGui::TextColored(pal.muted, "No sync runs yet. Charts fill in as the console syncs.");
    return;
  }
  std::size_t n = points_.size();
  float avail = ImGui::GetContentRegionAvail().y;
  float records_h = std::max(7 * em, avail * 0.42f), duration_h = std::max(5 * em, avail * 0.24f);
  ImDrawList* dl = ImGui::GetWindowDrawList();

  // Records per run: pulled and pushed side by side, on a log scale.
  ImGui::Spacing();
  ImGui::TextUnformatted("Records per run");
  ImGui::SameLine();
  ImGui::TextColored(pal.muted, "(log scale)");
  ImGui::SameLine(0, 2 * em);
  legend(pal.chart_pulled, "pulled");
  ImGui::SameLine(0, em);
  legend(pal.chart_pushed, "pushed");
  float top = 1.0f;
  for (const auto& r : points_) top = std::max({top, log_scale(r.pulled), log_scale(r.pushed)});
  top = std::ceil(top);
  Plot records = begin_plot("##records", n, records_h);
  for (int d = 0; d <= static_cast<int>(top); ++d)
    axis_label(records, d / top, d == 0 ? "0" : short_count(std::pow(10.0, d)));
  float slot = (records.max.x - records.min.x) / static_cast<float>(n);
  float bar = std::max(1.0f, slot * 0.38f);
  float h = records.max.y - records.min.y;
  for (std::size_t i = 0; i < n; ++i) {
    const RunPoint& r = points_[i];
    float x = records.min.x + slot * static_cast<float>(i) + slot * 0.1f;
    float pulled_h = h * log_scale(r.pulled) / top, pushed_h = h * log_scale(r.pushed) / top;
    if (static_cast<int>(i) == records.hovered)
      dl->AddRectFilled(ImVec2(x - slot * 0.1f, records.min.y),
                        ImVec2(x + slot * 0.9f, records.max.y),
                        ImGui::GetColorU32(ImGuiCol_FrameBgHovered));
    dl->AddRectFilled(ImVec2(x, records.max.y - pulled_h), ImVec2(x + bar, records.max.y),
                      ImGui::GetColorU32(pal.chart_pulled));
    dl->AddRectFilled(ImVec2(x + bar, records.max.y - pushed_h), ImVec2(x + 2 * bar, records.max.y),
                      ImGui::GetColorU32(pal.chart_pushed));
  }
  if (records.hovered >= 0) run_tooltip(points_[static_cast<std::size_t>(records.hovered)], now_ms);

  // Durations.
  ImGui::Spacing();
  std::int64_t longest = 1;
  for (const auto& r : points_) longest = std::max(longest, r.duration_ms);
  ImGui::TextUnformatted("Run duration");
  ImGui::SameLine();
  ImGui::TextColored(pal.muted, "(longest %s)", duration_text(longest).c_str());
  Plot dur = begin_plot("##durations", n, duration_h);
  axis_label(dur, 0.0f, "0");
  axis_label(dur, 1.0f, duration_text(longest));
  float dslot = (dur.max.x - dur.min.x) / static_cast<float>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const RunPoint& r = points_[i];
    float x = dur.min.x + dslot * static_cast<float>(i) + dslot * 0.15f;
    float bh =
        (dur.max.y - dur.min.y) * static_cast<float>(r.duration_ms) / static_cast<float>(longest);
    ImVec4 c = r.ok ? pal.chart_duration : pal.error;
    dl->AddRectFilled(ImVec2(x, dur.max.y - std::max(1.0f, bh)),
                      ImVec2(x + std::max(1.0f, dslot * 0.7f), dur.max.y), ImGui::GetColorU32(c));
  }
  if (dur.hovered >= 0) run_tooltip(points_[static_cast<std::size_t>(dur.hovered)], now_ms);

  // Failures over time: one cell per run, red when it failed.
  ImGui::Spacing();
  std::size_t failed = 0;
  const RunPoint* last_failure = nullptr;
  for (const auto& r : points_)
    if (!r.ok) {
      ++failed;
      last_failure = &r;
    }
  ImGui::TextUnformatted("Failures over time");
  ImGui::SameLine();
  ImGui::TextColored(failed ? pal.error : pal.muted, "(%zu of the last %zu runs)", failed, n);
  Plot strip = begin_plot("##failures", n, 2.2f * em);
  float sslot = (strip.max.x - strip.min.x) / static_cast<float>(n);
  for (std::size_t i = 0; i < n; ++i) {
    float x = strip.min.x + sslot * static_cast<float>(i);
    ImVec4 c = points_[i].ok ? pal.ok : pal.error;
    c.w = points_[i].ok ? 0.55f : 1.0f;
    dl->AddRectFilled(ImVec2(x + 1, strip.min.y + 3),
                      ImVec2(x + std::max(2.0f, sslot - 1), strip.max.y - 3), ImGui::GetColorU32(c),
                      2.0f);
  }
  if (strip.hovered >= 0) run_tooltip(points_[static_cast<std::size_t>(strip.hovered)], now_ms);
  dl->AddText(ImVec2(strip.min.x - 3.6f * em, strip.min.y + 0.2f * em),
              ImGui::GetColorU32(pal.muted), "older");
  if (last_failure) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(pal.muted, "Last failure %s: %s",
                       time_ago(last_failure->at_ms, now_ms).c_str(), last_failure->error.c_str());
    ImGui::PopTextWrapPos();
  }
}

}  // namespace craftsync::console
