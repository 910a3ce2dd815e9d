#include "widgets/record_detail.hpp"

#include <imgui.h>

#include "core/entity.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

void kv(const char* key, const std::string& value, const ImVec4* color = nullptr) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextColored(palette().muted, "%s", key);
  ImGui::TableNextColumn();
  ImGui::PushTextWrapPos(0);
  if (value.empty())
    ImGui::TextColored(palette().muted, "-");
  else if (color)
    ImGui::TextColored(*color, "%s", value.c_str());
  else
    ImGui::TextUnformatted(value.c_str());
  ImGui::PopTextWrapPos();
}

bool begin_kv(const char* id) {
  float em = ImGui::GetFontSize();
  if (!ImGui::BeginTable(id, 2, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerH))
    return false;
  ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, 8.5f * em);
  ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
  return true;
}

}  // namespace

std::string last_synced_text(const RecordSync& s) {
  if (!s.last_synced_at.empty()) return timestamp_text(s.last_synced_at);
  if (s.state == "synced" && s.remote_version) return "when pulled (time not kept)";
  return "";
}

std::string raw_json_text(const RecordDetail& d) {
  nlohmann::json j = d.found ? d.row : nlohmann::json(nullptr);
  if (d.found && d.sync) j = with_sync_info(d.row, *d.sync);
  return j.dump(2);
}

RecordDetailPane::Action RecordDetailPane::draw(const std::shared_ptr<const RecordDetail>& detail,
                                                const std::function<void()>& more) {
  const RecordDetail& d = *detail;
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  Action action = Action::none;
  if (detail != cached_for_) {
    raw_ = raw_json_text(d);
    cached_for_ = detail;
  }
  std::string singular(entity_name(d.entity));
  singular.pop_back();
  ImGui::AlignTextToFramePadding();
  ImGui::Text("%s", singular.c_str());
  ImGui::SameLine();
  push_mono();
  ImGui::TextUnformatted(d.id.c_str());
  pop_mono();
  if (!d.found) {
    ImGui::TextColored(p.muted, "Not in the local database (deleted, or not pulled yet).");
  } else {
    if (ui_button("Edit", ImVec2(5 * em, 0))) action = Action::edit;
    ImGui::SameLine();
    // Checked before anyone confirms anything: a record others refer to cannot go yet.
    ImGui::BeginDisabled(!d.dependents.empty());
    if (ui_button("Delete", ImVec2(5 * em, 0))) action = Action::remove;
    ImGui::EndDisabled();
    if (!d.dependents.empty()) {
      ImGui::PushTextWrapPos(0.0f);
      ImGui::TextColored(p.muted, "Has %s; delete those first to delete it.",
                         dependents_text(d.dependents).c_str());
      ImGui::PopTextWrapPos();
    }
  }

  if (d.found && ImGui::CollapsingHeader("Fields", ImGuiTreeNodeFlags_DefaultOpen) &&
      begin_kv("##fields")) {
    for (const FieldSpec& f : fields_of(d.entity)) {
      auto it = d.row.find(f.name);
      std::string v = it != d.row.end() && it->is_string() ? it->get<std::string>() : "";
      std::string key(f.name);
      if (f.kind == FieldKind::server_number && d.sync && d.sync->provisional_number)
        kv(key.c_str(), v + "  (provisional)", &p.warning);
      else if (f.kind == FieldKind::timestamp)
        kv(key.c_str(), timestamp_text(v));
      else
        kv(key.c_str(), v);
    }
    ImGui::EndTable();
  }

  if (d.sync && d.sync->state == "rejected") {
    // Why the server refused it, in words, before the bookkeeping.
    std::string why;
    for (const auto& e : d.sync->errors)
      if (e.is_object())
        why += (why.empty() ? "" : "; ") + e.value("field", std::string("?")) + ": " +
               e.value("message", e.value("code", std::string()));
    ImGui::PushStyleColor(ImGuiCol_Text, p.error);
    ImGui::TextWrapped("The server refused the last change to this record%s%s",
                       why.empty() ? "" : ": ", why.c_str());
    ImGui::PopStyleColor();
  }

  if (ImGui::CollapsingHeader("sync_metadata", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (!d.sync) {
      ImGui::TextColored(p.muted, "No sync metadata yet.");
    } else if (begin_kv("##meta")) {
      const RecordSync& s = *d.sync;
      ImVec4 c = state_color(s.state);
      kv("state", s.state, &c);
      kv("local_version", std::to_string(s.local_version));
      kv("remote_version", s.remote_version ? std::to_string(*s.remote_version) : "never pushed");
      kv("last_synced_at", last_synced_text(s));
      kv("provisional", s.provisional_number ? "number not assigned yet" : "no");
      if (!s.errors.empty()) kv("errors", s.errors.dump(), &p.error);
      if (!s.base.is_null())
        kv("base", "kept: the record changed here since the last agreed state");
      ImGui::EndTable();
    }
  }

  std::string outbox_title = "Outbox (" + std::to_string(d.outbox.size()) + ")###outbox";
  if (ImGui::CollapsingHeader(outbox_title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
    if (d.outbox.empty()) {
      ImGui::TextColored(p.muted, "Nothing waiting to be pushed.");
    } else if (ImGui::BeginTable(
                   "##outbox", 5,
                   ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("seq");
      ImGui::TableSetupColumn("op");
      ImGui::TableSetupColumn("base rev");
      ImGui::TableSetupColumn("state");
      ImGui::TableSetupColumn("attempts");
      ImGui::TableHeadersRow();
      for (const OutboxEntry& o : d.outbox) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(o.seq));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(o.op == Op::remove ? "delete" : "upsert");
        ImGui::TableNextColumn();
        if (o.base_rev)
          ImGui::Text("%lld", static_cast<long long>(*o.base_rev));
        else
          ImGui::TextColored(p.muted, "new");
        ImGui::TableNextColumn();
        ImGui::TextColored(o.state == "inflight" ? p.accent : p.warning, "%s", o.state.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(o.attempts));
      }
      ImGui::EndTable();
    }
  }

  if (more) more();

  if (ImGui::CollapsingHeader("Raw JSON", ImGuiTreeNodeFlags_DefaultOpen)) {
    push_mono();
    float h = std::max(6 * em, ImGui::GetContentRegionAvail().y - ImGui::GetStyle().ItemSpacing.y);
    ImGui::InputTextMultiline("##raw", raw_.data(), raw_.size() + 1, ImVec2(-1, h),
                              ImGuiInputTextFlags_ReadOnly);
    pop_mono();
  }
  return action;
}

}  // namespace craftsync::console
