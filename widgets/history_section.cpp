#include "widgets/history_section.hpp"

#include <imgui.h>

#include "core/clock.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

std::string shown(const nlohmann::json& v) {
  if (v.is_null()) return "(empty)";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 60 ? s.substr(0, 59) + glyph::kEllipsis : s;
}

void changes_table(Entity e, const RevisionView& older, const RevisionView& r, int index) {
  auto changes = changed_fields(e, older.data, r.data);
  std::string id = "##changes" + std::to_string(index);
  if (changes.empty() ||
      !ImGui::BeginTable(id.c_str(), 3,
                         ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerH))
    return;
  const Palette& p = palette();
  for (const FieldChange& c : changes) {
    if (c.field == "updated_at") continue;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextColored(p.muted, "%s", c.field.c_str());
    ImGui::TableNextColumn();
    ImGui::TextColored(p.muted, "%s", shown(c.before).c_str());
    ImGui::TableNextColumn();
    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(p.changed_bg));
    ImGui::TextUnformatted(shown(c.after).c_str());
  }
  ImGui::EndTable();
}

}  // namespace

void HistorySection::draw(const Snapshot& s, const RecordDetail& d, Commands& out,
                          std::int64_t now_ms) {
  const Palette& p = palette();
  const HistoryState& h = s.history;
  bool mine = h.is_for(d.entity, d.id);
  std::string title = "History";
  if (mine && h.history) title += " (" + std::to_string(h.history->revisions.size()) + ")";
  title += "###history";
  if (open_next) {
    ImGui::SetNextItemOpen(true);
    open_next = false;
  }
  // (Probed under one label, whatever the count says.)
  bool open = ImGui::CollapsingHeader(title.c_str());
  probe_item("History###history");
  if (!open) return;
  std::string key = std::string(entity_name(d.entity)) + "/" + d.id;
  if (asked_for_ != key) {  // opened for this record: ask the server once
    asked_for_ = key;
    out.push(ShowHistory{d.entity, d.id});
    return;
  }
  ImGui::BeginDisabled(h.loading || !s.remote.configured());
  if (ui_small_button("Refresh##history")) out.push(ShowHistory{d.entity, d.id});
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (!s.remote.configured()) {
    ImGui::TextColored(p.muted, "No server configured: history is kept on the server.");
    return;
  }
  if (!mine || h.loading) {
    ImGui::TextColored(p.muted, "Asking the server%s", glyph::kEllipsis);
    return;
  }
  if (!h.error.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(p.error, "%s %s", glyph::kCross, h.error.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  if (!h.history) return;
  const auto& revs = h.history->revisions;
  ImGui::TextColored(p.muted, "%zu revision%s on the server, newest first%s", revs.size(),
                     revs.size() == 1 ? "" : "s", h.history->truncated ? " (the newest 1000)" : "");
  for (std::size_t i = 0; i < revs.size(); ++i) {
    const RevisionView& r = revs[i];
    const RevisionView* older = i + 1 < revs.size() ? &revs[i + 1] : nullptr;
    ImGui::PushID(static_cast<int>(i));
    ImGui::Separator();
    auto at = unix_ms_from_iso(r.at);
    ImGui::TextColored(r.deleted ? p.error : p.accent, "rev %lld", static_cast<long long>(r.rev));
    ImGui::SameLine();
    ImGui::TextColored(p.muted, "%s %s by", at ? time_ago(*at, now_ms).c_str() : r.at.c_str(),
                       glyph::kDot);
    ImGui::SameLine();
    push_mono();
    ImGui::TextUnformatted(r.by.c_str());
    pop_mono();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", r.at.c_str());
    ImGui::TextUnformatted(describe_revision(d.entity, older, r).c_str());
    if (older && !older->deleted && !r.deleted)
      changes_table(d.entity, *older, r, static_cast<int>(i));
    // The newest revision is the server's record as it stands; older ones can come back.
    if (i > 0 && !r.deleted && d.found) {
      if (ui_small_button("Restore this version"))
        out.push(RestoreVersion{d.entity, d.id, r.rev, restorable_fields(d.entity, r.data)});
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Saves this version's fields as a local edit; it syncs like any other.");
    }
    ImGui::PopID();
  }
}

}  // namespace craftsync::console
