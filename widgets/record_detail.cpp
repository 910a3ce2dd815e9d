#include "widgets/record_detail.hpp"

#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "core/entity.hpp"
#include "core/entity_sql.hpp"
#include "core/number_text.hpp"
#include "core/record_names.hpp"
#include "widgets/cells.hpp"
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

// A value that must not wrap (an email breaks badly at its dots): cut, whole on hover.
void kv_fitted(const char* key, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextColored(palette().muted, "%s", key);
  ImGui::TableNextColumn();
  if (value.empty())
    ImGui::TextColored(palette().muted, "-");
  else
    text_fitted(value);
}

// A reference: the referred record by name, a link that shows it.
void reference_kv(const std::string& key, const std::string& id, const RecordDetail& d,
                  RecordDetailPane::Action& action, RelatedRecord& target) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextColored(palette().muted, "%s", key.c_str());
  ImGui::TableNextColumn();
  const RelatedRecord* r = nullptr;
  for (const RelatedRecord& x : d.references)
    if (x.field == key) r = &x;
  if (!r || r->name.empty()) {
    ImGui::TextColored(palette().warning, "%s (not here)", short_id(id).c_str());
    id_hover(id, ("##ref_" + key).c_str());
    return;
  }
  std::string label = fit_text(r->name, ImGui::GetContentRegionAvail().x) + "##ref_" + key;
  if (text_link(label.c_str(), "Show " + singular_name(r->entity) + " " + r->name + "\nid " + id)) {
    action = RecordDetailPane::Action::follow;
    target = *r;
  }
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

// What refers to this record (a customer's quotes and orders, a quote's orders), as links, and
// a button that starts a new one.
void RecordDetailPane::draw_related(const RecordDetail& d, Action& action) {
  auto links = children_of(d.entity);
  if (links.empty()) return;
  const Palette& p = palette();
  std::int64_t total = 0;
  for (const auto& [e, n] : d.dependents) total += n;
  // "quotes and orders": the entities that can refer to this one.
  std::vector<Entity> kinds;
  for (const ChildLink& l : links)
    if (std::find(kinds.begin(), kinds.end(), l.child) == kinds.end()) kinds.push_back(l.child);
  auto words = [&](const char* joint) {
    std::string w;
    for (std::size_t i = 0; i < kinds.size(); ++i)
      w += (i ? joint : "") + std::string(entity_name(kinds[i]));
    return w;
  };
  std::string title = words(" and ") + " (" + std::to_string(total) + ")###related";
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  if (!ImGui::CollapsingHeader(title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) return;
  Entity first_child = links.front().child;
  std::string new_label =
      "New " + singular_name(first_child) + " for this " + singular_name(d.entity) + "##new_child";
  if (ui_small_button(new_label.c_str())) {
    action = Action::create_child;
    child = first_child;
  }
  if (d.referred_by.empty()) {
    ImGui::TextColored(p.muted, "No %s refer to it.", words(" or ").c_str());
    return;
  }
  std::map<Entity, std::int64_t> shown;
  for (const RelatedRecord& r : d.referred_by) {
    ++shown[r.entity];
    ImGui::TextColored(p.muted, "%s", singular_name(r.entity).c_str());
    ImGui::SameLine();
    std::string label = fit_text(r.name, ImGui::GetContentRegionAvail().x) + "##rel_" + r.id;
    if (text_link(label.c_str(),
                  "Show " + singular_name(r.entity) + " " + r.name + "\nid " + r.id)) {
      action = Action::follow;
      target = r;
    }
  }
  for (const auto& [e, n] : d.dependents)
    if (n > shown[e])
      ImGui::TextColored(p.muted, "and %s more", counted(n - shown[e], singular_name(e)).c_str());
}

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
  std::string singular = singular_name(d.entity);
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(p.muted, "%s", singular.c_str());
  ImGui::SameLine();
  text_fitted(d.found ? d.name : short_id(d.id));
  id_hover(d.id, "##detail_name");
  if (!d.found) {
    ImGui::TextColored(p.muted, "Not in the local database (deleted, or not pulled yet).");
  } else {
    if (ui_button("Edit", ImVec2(5 * em, 0))) action = Action::edit;
    ImGui::SameLine();
    // Checked before anyone confirms anything: a record others refer to cannot go yet.
    ImGui::BeginDisabled(!d.dependents.empty());
    if (ui_button("Delete", ImVec2(5 * em, 0))) action = Action::remove;
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ui_button("Copy id##detail", ImVec2(0, 0))) copy_text(d.id);
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
      else if (f.kind == FieldKind::reference && !v.empty())
        reference_kv(key, v, d, action, target);
      else if (f.kind == FieldKind::email || f.kind == FieldKind::amount)
        kv_fitted(key.c_str(), f.kind == FieldKind::amount ? amount_text(v) : v);
      else if (f.kind == FieldKind::timestamp)
        kv(key.c_str(), timestamp_text(v));
      else
        kv(key.c_str(), v);
    }
    ImGui::EndTable();
  }

  if (d.found) draw_related(d, action);

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
    if (ui_small_button("Copy JSON")) copy_text(raw_);
    push_mono();
    // The box takes the height left and scrolls both ways: the text field inside is as large as
    // the text (so that it can still be selected and copied), the box around it has scrollbars.
    const ImGuiStyle& st = ImGui::GetStyle();
    float h = std::max(6 * em, ImGui::GetContentRegionAvail().y - st.ItemSpacing.y);
    ImGui::BeginChild("##raw_box", ImVec2(-1, h), true, ImGuiWindowFlags_HorizontalScrollbar);
    ImVec2 text = ImGui::CalcTextSize(raw_.c_str());
    ImVec2 avail = ImGui::GetContentRegionAvail();
    ImVec2 size(std::max(avail.x, text.x + 2 * st.FramePadding.x + em),
                std::max(avail.y, text.y + 2 * st.FramePadding.y + em));
    ImGui::InputTextMultiline("##raw", raw_.data(), raw_.size() + 1, size,
                              ImGuiInputTextFlags_ReadOnly);
    ImGui::EndChild();
    pop_mono();
  }
  return action;
}

}  // namespace craftsync::console
