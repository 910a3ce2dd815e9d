#include "widgets/activity_log.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>

#include "core/clock.hpp"
#include "widgets/cells.hpp"
#include "widgets/focus_order.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

std::string run_text(const RunRecord& r) {
  std::string head = "Sync #" + std::to_string(r.id) + " (" + r.trigger + ", " + r.direction +
                     ", " + r.entity + ")";
  if (!r.ok)
    return head + " failed after " + duration_text(r.duration_ms) + ": " +
           (r.error.empty() ? "unfinished" : r.error);
  std::string s = head + ": " + glyph::kDown + " " + thousands(r.pulled) + " pulled, " +
                  glyph::kUp + " " + thousands(r.pushed) + " pushed";
  if (r.merged) s += ", " + thousands(r.merged) + " merged";
  if (r.conflicts) s += ", " + counted(r.conflicts, "conflict");
  if (r.rejected) s += ", " + thousands(r.rejected) + " rejected";
  return s + " in " + duration_text(r.duration_ms);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<LogLine> activity_lines(const Snapshot& s) {
  std::vector<LogLine> lines;
  if (s.runs)
    for (const RunRecord& r : *s.runs) {
      std::int64_t at = unix_ms_from_iso(r.started_at).value_or(0);
      // What a run found that a person should know (this database was restored or copied)
      // comes first, as its own line.
      if (!r.notice.empty())
        lines.push_back(
            {at, LogLine::Kind::notice, "Sync #" + std::to_string(r.id) + ": " + r.notice});
      lines.push_back({at, r.ok ? LogLine::Kind::run : LogLine::Kind::error, run_text(r)});
    }
  if (s.events)
    for (const Event& e : *s.events) {
      // A run's own outcome, success or failure (offline included), is already in the
      // journal as one line; keep the console's other notices.
      if (e.text.rfind("Synced:", 0) == 0 || e.text.rfind("Sync failed:", 0) == 0 ||
          e.text.rfind("Offline:", 0) == 0)
        continue;
      lines.push_back(
          {e.at_ms, e.level == Event::Level::error ? LogLine::Kind::error : LogLine::Kind::notice,
           e.text, e.record_id});
    }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const LogLine& a, const LogLine& b) { return a.at_ms > b.at_ms; });
  return lines;
}

std::vector<LogLine> filter_lines(const std::vector<LogLine>& lines, const std::string& filter,
                                  bool errors_only) {
  std::vector<LogLine> out;
  std::string needle = lower(filter);
  for (const auto& l : lines) {
    if (errors_only && l.kind != LogLine::Kind::error) continue;
    if (!needle.empty() && lower(l.text).find(needle) == std::string::npos) continue;
    out.push_back(l);
  }
  return out;
}

void ActivityLog::draw(const Snapshot& s, Commands&, std::int64_t now_ms) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  bool source_changed = s.runs != cached_runs_ || s.events != cached_events_;
  if (source_changed) {
    all_ = activity_lines(s);
    cached_runs_ = s.runs;
    cached_events_ = s.events;
  }
  ImGui::SetNextItemWidth(20 * em);
  ui_input_text("##log_filter", "Filter (e.g. failed, customers, 401)", &filter);
  ImGui::SameLine();
  ui_checkbox("Errors only", &errors_only);
  if (source_changed || filter != cached_filter_ || errors_only != cached_errors_only_) {
    shown_ = filter_lines(all_, filter, errors_only);
    cached_filter_ = filter;
    cached_errors_only_ = errors_only;
  }
  ImGui::SameLine();
  ImGui::TextColored(p.muted, "%zu of %zu entries", shown_.size(), all_.size());

  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                          ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("##activity", 3, flags, ImVec2(0, ImGui::GetContentRegionAvail().y)))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("When", ImGuiTableColumnFlags_WidthFixed, 11.5f * em);
  ImGui::TableSetupColumn("Kind", ImGuiTableColumnFlags_WidthFixed, 4.5f * em);
  ImGui::TableSetupColumn("What happened", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  // Lines wrap, so rows differ in height: no clipper. The worker bounds the journal and the
  // notices (a few hundred lines), which keeps this cheap.
  {
    for (const LogLine& l : shown_) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(p.muted, "%s", timestamp_text(iso_from_unix_ms(l.at_ms)).c_str());
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", time_ago(l.at_ms, now_ms).c_str());
      ImGui::TableNextColumn();
      switch (l.kind) {
        case LogLine::Kind::run:
          ImGui::TextColored(p.ok, "run");
          break;
        case LogLine::Kind::error:
          ImGui::TextColored(p.error, "error");
          break;
        case LogLine::Kind::notice:
          ImGui::TextColored(p.accent, "note");
          break;
      }
      ImGui::TableNextColumn();
      ImGui::PushTextWrapPos(0);
      ImGui::TextUnformatted(l.text.c_str());
      if (!l.record_id.empty()) id_hover(l.record_id, ("##log_id_" + l.record_id).c_str());
      ImGui::PopTextWrapPos();
    }
  }
  ImGui::EndTable();
}

}  // namespace craftsync::console
