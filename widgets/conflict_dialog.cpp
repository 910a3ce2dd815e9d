#include "widgets/conflict_dialog.hpp"

#include <imgui.h>

#include <algorithm>

#include "core/record_names.hpp"
#include "widgets/cells.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

using nlohmann::json;

const std::string kDeleted(kDeletedField);

/// "2 quotes, 1 order" for the records that depend on a deleted one.
/// "2 quotes and 1 order" for the records that refer to a conflict's record.
std::string dependents_text(const std::vector<RecordRef>& refs) {
  std::vector<std::pair<Entity, std::int64_t>> counts;
  for (Entity e : kEntitiesInFkOrder) {
    auto n =
        std::count_if(refs.begin(), refs.end(), [&](const RecordRef& r) { return r.entity == e; });
    if (n > 0) counts.emplace_back(e, n);
  }
  return craftsync::dependents_text(counts);
}

std::string value_text(const json& record, const std::string& field) {
  if (!record.is_object()) return "";
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void cell_text(const std::string& text, bool muted) {
  if (text.empty())
    ImGui::TextColored(palette().muted, "(empty)");
  else
    text_fitted(text, muted ? &palette().muted : nullptr);  // cut, whole on hover; no wrap
}

ImU32 bg(const ImVec4& c) {
  return ImGui::GetColorU32(c);
}

}  // namespace

bool is_delete_conflict(const ConflictRecord& c) {
  return c.is_delete();
}

ResolveConflict keep_side(const ConflictRecord& c, Side side) {
  ResolveConflict r;
  r.conflict_id = c.id;
  r.resolution.keep = side;
  return r;
}

std::optional<ResolveConflict> apply_picks(const ConflictRecord& c,
                                           const std::map<std::string, Side>& picks) {
  if (is_delete_conflict(c)) {
    auto it = picks.find(kDeleted);
    if (it == picks.end()) return std::nullopt;
    return keep_side(c, it->second);
  }
  ResolveConflict r;
  r.conflict_id = c.id;
  for (const auto& f : c.fields) {
    auto it = picks.find(f);
    if (it == picks.end()) return std::nullopt;
    r.resolution.fields[f] = it->second;
  }
  return r;
}

std::map<std::string, Side> losing_sides(const ConflictRecord& c) {
  std::map<std::string, Side> lost;
  if (!c.resolved || is_delete_conflict(c)) return lost;
  for (const auto& f : c.fields)
    if (auto kept = c.resolution.kept(f))
      lost[f] = *kept == Side::local ? Side::remote : Side::local;
  return lost;
}

void ConflictDialog::step(int delta, std::size_t count) {
  if (count == 0) return;
  auto n = static_cast<long long>(count);
  index = static_cast<std::size_t>(((static_cast<long long>(index) + delta) % n + n) % n);
  picks.clear();
  current_id_ = 0;  // the index decides at the next draw
}

void ConflictDialog::draw(const Snapshot& s, Commands& out) {
  const auto& open = s.open_conflicts;
  std::size_t count = open ? open->size() : 0;
  if (count == 0) {
    ImGui::TextColored(palette().ok, "%s No open conflicts.", glyph::kCheck);
    ImGui::TextColored(
        palette().muted,
        "Conflicts appear here when the same field changed on this device and on the "
        "server and the policy is \"Ask me\".");
    current_id_ = 0;
    picks.clear();
  } else {
    // Follow the conflict on screen when the list changes under it; when it was resolved,
    // the one that took its place is shown.
    auto it = std::find_if(open->begin(), open->end(),
                           [&](const ConflictRecord& c) { return c.id == current_id_; });
    if (it != open->end()) index = static_cast<std::size_t>(it - open->begin());
    if (index >= count) index = count - 1;
    const ConflictRecord& c = (*open)[index];
    if (c.id != current_id_) {
      current_id_ = c.id;
      picks.clear();
    }
    draw_conflict(c, count, out);
  }
  ImGui::Spacing();
  draw_history(s, out);
}

void ConflictDialog::draw_conflict(const ConflictRecord& c, std::size_t count, Commands& out) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(p.warning, "Conflict %zu of %zu %s", index + 1, count, glyph::kDash);
  ImGui::SameLine();
  // The record by name ("customers: Nora Taylor"); its id on hover and to copy.
  float heading_end = ImGui::GetContentRegionMax().x - 10 * em;
  std::string title = record_title(c.entity, conflict_name(c));
  std::string shown = fit_text(title, heading_end - ImGui::GetCursorPosX());
  ImGui::TextUnformatted(shown.c_str());
  probe_text(shown);
  id_hover(c.entity_id, "##conflict_id");
  ImGui::SameLine(ImGui::GetContentRegionMax().x - 9.5f * em);
  ImGui::BeginDisabled(count < 2);
  if (ui_button("< Prev", ImVec2(4.5f * em, 0))) step(-1, count);
  ImGui::SameLine();
  if (ui_button("Next >", ImVec2(4.5f * em, 0))) step(+1, count);
  ImGui::EndDisabled();

  std::int64_t n = is_delete_conflict(c) ? 1 : static_cast<std::int64_t>(c.fields.size());
  ImGui::TextColored(p.muted, "Detected %s %s server rev %lld %s %s in conflict",
                     timestamp_text(c.created_at).c_str(), glyph::kDot,
                     static_cast<long long>(c.remote_rev), glyph::kDot,
                     counted(n, "field").c_str());
  ui_checkbox("Show base (last agreed version)", &show_base);
  if (!c.merged_fields.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(p.muted, "   ");
    ImGui::SameLine();
    ImGui::ColorButton("##merged_key", p.merged_bg, ImGuiColorEditFlags_NoTooltip, ImVec2(em, em));
    ImGui::SameLine();
    ImGui::TextColored(p.muted, "merged automatically");
  }
  draw_fields(c);

  bool gone_remotely = is_delete_conflict(c) && !c.remote.is_object();
  bool gone_locally = is_delete_conflict(c) && !c.local.is_object();
  if (gone_remotely) {
    ImGui::Spacing();
    if (c.dependents.empty())
      ImGui::TextColored(p.warning, "Deleted on the server while you edited it here.");
    else
      ImGui::TextColored(p.warning, "Deleted on the server, but %s of yours still refer to it.",
                         dependents_text(c.dependents).c_str());
  }
  const char* keep_local = gone_remotely  ? "Restore it"
                           : gone_locally ? "Keep my delete"
                                          : "Keep Local";
  const char* keep_remote = gone_remotely  ? "Keep the delete"
                            : gone_locally ? "Keep the server's"
                                           : "Keep Remote";
  std::string remote_tip = "Take the server's values for every conflicting field";
  if (gone_remotely)
    remote_tip = c.dependents.empty()
                     ? "Remove it here too; your edit stays in the history"
                     : "Remove it here too, with the " + dependents_text(c.dependents) +
                           " that refer to it; they stay in the history";

  ImGui::Spacing();
  auto send = [&](ResolveConflict r) {
    r.sync_now = sync_after;
    out.push(r);
  };
  if (ui_button(keep_local, ImVec2(8 * em, 0))) send(keep_side(c, Side::local));
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", gone_remotely ? "Create it on the server again, as it is here"
                            : gone_locally
                                ? "Delete it on the server too"
                                : "Keep this device's values for every conflicting field");
  ImGui::SameLine();
  if (ui_button(keep_remote, ImVec2(8 * em, 0))) send(keep_side(c, Side::remote));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", remote_tip.c_str());
  ImGui::SameLine();
  auto picked = apply_picks(c, picks);
  ImGui::BeginDisabled(!picked);
  if (ui_button("Apply picks", ImVec2(8 * em, 0)) && picked) send(*picked);
  ImGui::EndDisabled();
  if (!picked) {
    ImGui::SameLine();
    ImGui::TextColored(p.muted, "pick a side for each highlighted field to apply");
  }
  ui_checkbox("and sync now", &sync_after);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Push the resolution to the server at once, rather than at the next "
        "automatic sync");
}

void ConflictDialog::draw_fields(const ConflictRecord& c) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  bool del = is_delete_conflict(c);
  int columns = show_base ? 5 : 4;
  ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_BordersOuter |
                          ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_PadOuterX;
  if (!ImGui::BeginTable("##conflict_fields", columns, flags)) return;
  ImGui::TableSetupColumn("Field", ImGuiTableColumnFlags_WidthFixed, 9 * em);
  ImGui::TableSetupColumn("Local (this device)", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("Remote (server)", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  if (show_base) ImGui::TableSetupColumn("Base", ImGuiTableColumnFlags_WidthStretch, 0.8f);
  ImGui::TableSetupColumn("Keep", ImGuiTableColumnFlags_WidthFixed, 11.5f * em);
  ImGui::TableHeadersRow();

  auto pick_cell = [&](const std::string& field) {
    auto it = picks.find(field);
    std::string l = "Local##pick_" + field, r = "Remote##pick_" + field;
    if (ui_radio(l.c_str(), it != picks.end() && it->second == Side::local))
      picks[field] = Side::local;
    ImGui::SameLine();
    if (ui_radio(r.c_str(), it != picks.end() && it->second == Side::remote))
      picks[field] = Side::remote;
  };

  if (del) {
    ImGui::TableNextRow();
    ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, bg(p.changed_bg));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("record");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(!c.local.is_object()   ? "deleted here"
                           : c.dependents.empty() ? "edited here"
                                                  : "still used here");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(c.remote.is_object() ? "edited on the server" : "deleted on the server");
    if (show_base) {
      ImGui::TableNextColumn();
      ImGui::TextColored(p.muted, "%s", c.base.is_object() ? "existed" : "(none)");
    }
    ImGui::TableNextColumn();
    pick_cell(kDeleted);
  }
  for (const FieldSpec& f : fields_of(c.entity)) {
    std::string name(f.name);
    std::string local = value_text(c.local, name), remote = value_text(c.remote, name);
    if (f.kind == FieldKind::timestamp) {
      local = timestamp_text(local);
      remote = timestamp_text(remote);
    }
    FieldOutcome outcome = field_outcome(c, name);
    bool conflicting = outcome == FieldOutcome::conflicting;
    bool merged = outcome == FieldOutcome::took_remote || outcome == FieldOutcome::kept_local;
    bool differs = local != remote;
    bool bookkeeping = outcome == FieldOutcome::bookkeeping;
    ImGui::TableNextRow();
    if (conflicting)
      ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, bg(p.changed_bg));
    else if (merged)
      ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, bg(p.merged_bg));
    ImGui::TableNextColumn();
    if (conflicting)
      ImGui::TextColored(p.warning, "%s", name.c_str());
    else if (merged)
      ImGui::TextColored(p.ok, "%s (merged)", name.c_str());
    else
      ImGui::TextColored(bookkeeping || !differs ? p.muted : p.text, "%s", name.c_str());
    bool quiet = !conflicting && !merged && (!differs || bookkeeping);
    ImGui::TableNextColumn();
    if (c.local.is_object())
      cell_text(local, quiet);
    else
      ImGui::TextColored(p.muted, "(deleted)");
    ImGui::TableNextColumn();
    if (c.remote.is_object())
      cell_text(remote, quiet);
    else
      ImGui::TextColored(p.muted, "(deleted)");
    if (show_base) {
      ImGui::TableNextColumn();
      std::string base = value_text(c.base, name);
      if (c.base.is_object())
        cell_text(f.kind == FieldKind::timestamp ? timestamp_text(base) : base, true);
      else
        ImGui::TextColored(p.muted, "(none)");
    }
    ImGui::TableNextColumn();
    if (conflicting && !del)
      pick_cell(name);
    else if (outcome == FieldOutcome::took_remote)
      ImGui::TextColored(p.muted, "took remote");
    else if (outcome == FieldOutcome::kept_local)
      ImGui::TextColored(p.muted, "kept local");
  }
  ImGui::EndTable();
}

FieldOutcome field_outcome(const ConflictRecord& c, std::string_view field) {
  std::string name(field);
  if (contains(c.fields, name)) return FieldOutcome::conflicting;
  for (const FieldSpec& f : fields_of(c.entity))
    if (f.name == field && (f.kind == FieldKind::timestamp || f.kind == FieldKind::server_number))
      return FieldOutcome::bookkeeping;
  if (contains(c.merged_fields, name)) return FieldOutcome::took_remote;
  if (!c.local.is_object() || !c.remote.is_object()) return FieldOutcome::same;
  std::string local = value_text(c.local, name), remote = value_text(c.remote, name),
              base = value_text(c.base, name);
  if (local == remote) return FieldOutcome::same;
  // One side changed it: the merge keeps that side's value.
  return base == remote ? FieldOutcome::kept_local : FieldOutcome::took_remote;
}

void ConflictDialog::draw_history(const Snapshot& s, Commands& out) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  std::size_t n = s.resolved_conflicts ? s.resolved_conflicts->size() : 0;
  std::string title = "Resolution history (" + std::to_string(n) + ")###history";
  ImGui::SetNextItemOpen(show_history, ImGuiCond_Once);
  show_history = ImGui::CollapsingHeader(title.c_str());
  if (!show_history || n == 0) return;
  ImGui::TextColored(
      p.muted,
      "Every value that lost a conflict is kept; Restore puts it back as a new local edit.");
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH |
                          ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  float height = std::max(8.0f * em, ImGui::GetContentRegionAvail().y);
  if (!ImGui::BeginTable("##history", 4, flags, ImVec2(0, height))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Resolved", ImGuiTableColumnFlags_WidthFixed, 11 * em);
  ImGui::TableSetupColumn("Record", ImGuiTableColumnFlags_WidthFixed, 16 * em);
  ImGui::TableSetupColumn("Outcome", ImGuiTableColumnFlags_WidthFixed, 8 * em);
  ImGui::TableSetupColumn("Overwritten values", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  // Rows differ in height (one line per overwritten field) and the history is bounded by the
  // worker, so no clipper here.
  {
    for (const ConflictRecord& c : *s.resolved_conflicts) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(timestamp_text(c.resolved_at).c_str());
      ImGui::TableNextColumn();
      text_fitted(record_title(c.entity, conflict_name(c)));
      id_hover(c.entity_id, ("##history_id_" + std::to_string(c.id)).c_str());
      ImGui::TableNextColumn();
      using Kind = Outcome::Kind;
      bool discarded = c.resolution.kind == Kind::discarded;
      std::string outcome = c.resolution.kind == Kind::fields ? "per field"
                            : discarded                       ? "discarded"
                                                              : c.resolution.text();
      ImGui::TextUnformatted(outcome.c_str());
      ImGui::TableNextColumn();
      if (discarded) {  // the record went with a parent deleted on the server
        ImGui::TextWrapped("%s", c.resolution.why.c_str());
        continue;
      }
      auto lost = losing_sides(c);
      if (lost.empty())
        ImGui::TextColored(p.muted, "%s", is_delete_conflict(c) ? "record kept or removed" : "-");
      for (const auto& [field, side] : lost) {
        const json& source = side == Side::local ? c.local : c.remote;
        std::string value = value_text(source, field);
        ImGui::AlignTextToFramePadding();
        // The value gives way to its Restore button: cut with an ellipsis, whole on hover.
        std::string line =
            field + ": \"" + value + "\" (" + (side == Side::local ? "local" : "remote") + ")";
        const ImGuiStyle& st = ImGui::GetStyle();
        float button = ImGui::CalcTextSize("Restore").x + 2 * st.FramePadding.x + st.ItemSpacing.x;
        std::string shown = fit_text(line, ImGui::GetContentRegionAvail().x - button);
        ImGui::TextUnformatted(shown.c_str());
        if (shown != line && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", line.c_str());
        ImGui::SameLine();
        std::string label = "Restore##" + std::to_string(c.id) + "_" + field;
        if (ui_small_button(label.c_str())) out.push(RestoreValue{c.id, side, field});
      }
    }
  }
  ImGui::EndTable();
}

}  // namespace craftsync::console
