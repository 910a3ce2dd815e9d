#include "widgets/record_form.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include "core/record_names.hpp"
#include "widgets/cells.hpp"
#include "widgets/focus_order.hpp"
#include "widgets/glyphs.hpp"
#include "widgets/palette.hpp"
#include "widgets/text_format.hpp"
#include "widgets/ui_probe.hpp"

namespace craftsync::console {
namespace {

constexpr const char* kStatuses[] = {"draft", "sent", "accepted", "declined"};

const char* hint_for(const FieldSpec& f) {
  switch (f.kind) {
    case FieldKind::amount:
      return "1250.00";
    case FieldKind::email:
      return "name@example.com";
    default:
      return "";
  }
}

}  // namespace

bool RecordForm::editable(const FieldSpec& f) {
  return f.kind != FieldKind::timestamp && f.kind != FieldKind::server_number;
}

void RecordForm::begin_create(Entity e, const Prefill& prefill) {
  open = true;
  creating = true;
  entity = e;
  id.clear();
  original_row = nullptr;
  values.clear();
  original.clear();
  names.clear();
  open_picker.clear();
  for (const FieldSpec& f : fields_of(e))
    if (editable(f)) values[std::string(f.name)] = "";
  if (e == Entity::quotes) values["status"] = "draft";
  for (const auto& [k, v] : prefill.values)
    if (values.count(k)) values[k] = v;
  for (const auto& [k, v] : prefill.names)
    if (values.count(k)) names[k] = v;
}

void RecordForm::begin_edit(Entity e, const nlohmann::json& row,
                            const std::map<std::string, std::string>& ref_names) {
  open = true;
  creating = false;
  entity = e;
  id = row.value("id", "");
  original_row = row;
  names = ref_names;
  values.clear();
  for (const FieldSpec& f : fields_of(e)) {
    if (!editable(f)) continue;
    auto it = row.find(f.name);
    values[std::string(f.name)] = it != row.end() && it->is_string() ? it->get<std::string>() : "";
  }
  original = values;
}

std::optional<Command> RecordForm::submit(std::string* problem) const {
  for (const FieldSpec& f : fields_of(entity)) {
    if (!editable(f) || !f.required) continue;
    auto it = values.find(std::string(f.name));
    if (it == values.end() || it->second.empty()) {
      if (problem) *problem = std::string(f.name) + " is required";
      return std::nullopt;
    }
  }
  if (creating) {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [k, v] : values)
      if (!v.empty()) fields[k] = v;
    return CreateRecord{entity, fields};
  }
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& [k, v] : values) {
    auto it = original.find(k);
    if (it == original.end() || it->second != v)
      patch[k] = v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
  }
  if (patch.empty()) {
    if (problem) *problem = "nothing changed";
    return std::nullopt;
  }
  return UpdateRecord{entity, id, patch};
}

void RecordForm::choose(const std::string& field, const Choice& c) {
  values[field] = c.id;
  names[field] = c.name;
  // An order's quote names its customer: take both, so they cannot disagree.
  if (field == "quote_id" && !c.customer_id.empty() && values.count("customer_id")) {
    values["customer_id"] = c.customer_id;
    names["customer_id"] = c.customer_name;
  }
}

// A reference is chosen by name: a button with the chosen record's name opens a search over
// that entity (FindChoices, answered by the worker) and a list of matches.
void RecordForm::draw_picker(const FieldSpec& f, Commands& out, const ChoiceList* choices) {
  const Palette& p = palette();
  float em = ImGui::GetFontSize();
  std::string field(f.name);
  Entity target = *f.references;
  std::string& v = values[field];
  std::string shown = v.empty() ? "Choose a " + singular_name(target) + glyph::kEllipsis
                      : names.count(field) && !names[field].empty() ? names[field]
                                                                    : short_id(v);
  std::string popup = "##picker_" + field;
  if (v.empty()) ImGui::PushStyleColor(ImGuiCol_Text, p.muted);
  ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0.0f, 0.5f));  // reads like a field
  std::string label = shown + "###pick_" + field;
  if (ui_button(label.c_str(), ImVec2(-1, 0)) || open_picker == field) {
    open_picker.clear();
    picker_search_.clear();
    asked_.reset();
    ImGui::OpenPopup(popup.c_str());
  }
  ImGui::PopStyleVar();
  if (v.empty()) ImGui::PopStyleColor();
  if (!v.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("id %s", v.c_str());
  // Under the button, as wide, whether a click or the code opened it.
  ImGui::SetNextWindowPos(ImVec2(ImGui::GetItemRectMin().x, ImGui::GetItemRectMax().y));
  ImGui::SetNextWindowSize(ImVec2(std::max(24 * em, ImGui::GetItemRectSize().x), 0));
  if (!ImGui::BeginPopup(popup.c_str())) return;
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  std::string hint = "Search " + std::string(entity_name(target));
  ImGui::SetNextItemWidth(-1);
  ui_input_text("##pick_search", hint.c_str(), &picker_search_);
  FindChoices want{target, picker_search_};
  if (!asked_ || asked_->entity != want.entity || asked_->search != want.search) {
    out.push(want);
    asked_ = want;
  }
  bool answered = choices && choices->entity == target && choices->search == picker_search_;
  ImGui::BeginChild("##pick_list", ImVec2(0, 12 * em), false);
  if (!answered) {
    ImGui::TextColored(p.muted, "Searching%s", glyph::kEllipsis);
  } else if (choices->items.empty()) {
    ImGui::TextColored(p.muted, "No %s match.", std::string(entity_name(target)).c_str());
  } else {
    for (const Choice& c : choices->items) {
      std::string item = c.name + "##choice_" + c.id;
      if (ui_selectable(item.c_str(), c.id == v)) {
        choose(field, c);
        ImGui::CloseCurrentPopup();
      }
      if (!c.detail.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(p.muted, "%s",
                           fit_text(c.detail, ImGui::GetContentRegionAvail().x).c_str());
      }
    }
    if (choices->more) ImGui::TextColored(p.muted, "More match: type to narrow the list.");
  }
  ImGui::EndChild();
  ImGui::EndPopup();
}

void RecordForm::draw(Commands& out, const ChoiceList* choices) {
  std::string singular(entity_name(entity));
  singular.pop_back();
  std::string title = (creating ? "New " : "Edit ") + singular + "###record_form";
  const char* popup = title.c_str();
  if (open && !ImGui::IsPopupOpen(popup)) ImGui::OpenPopup(popup);
  float em = ImGui::GetFontSize();
  ImGui::SetNextWindowSize(ImVec2(34 * em, 0), ImGuiCond_Appearing);
  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.35f),
      ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  if (!ImGui::BeginPopupModal(popup, nullptr,
                              ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings))
    return;
  if (creating) {
    ImGui::Text("A new %s, made here", singular.c_str());
  } else {
    std::string heading = singular + " " + record_name(entity, original_row, id);
    ImGui::TextUnformatted(heading.c_str());
    probe_text(heading);
    id_hover(id, "##form_id");
  }
  ImGui::TextColored(palette().muted,
                     "Saved locally at once; pushed to the server at the next sync.");
  ImGui::Separator();
  if (ImGui::BeginTable("##form_fields", 2, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("f", ImGuiTableColumnFlags_WidthFixed, 8 * em);
    ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthFixed, 24 * em);
    for (const FieldSpec& f : fields_of(entity)) {
      std::string name(f.name);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::AlignTextToFramePadding();
      ImGui::TextColored(f.required ? palette().text : palette().muted, "%s%s", name.c_str(),
                         f.required ? " *" : "");
      ImGui::TableNextColumn();
      ImGui::SetNextItemWidth(-1);
      std::string label = "##field_" + name;
      if (f.kind == FieldKind::server_number) {
        ImGui::TextColored(palette().muted, "assigned by the server");
      } else if (f.kind == FieldKind::timestamp) {
        ImGui::TextColored(palette().muted, "set automatically");
      } else if (f.kind == FieldKind::quote_status) {
        std::string& v = values[name];
        if (ui_begin_combo(label.c_str(), v.c_str())) {
          for (const char* st : kStatuses)
            if (ui_selectable(st, v == st)) v = st;
          ImGui::EndCombo();
        }
      } else if (f.kind == FieldKind::reference && f.references) {
        draw_picker(f, out, choices);
      } else {
        ui_input_text(label.c_str(), hint_for(f), &values[name]);
      }
    }
    ImGui::EndTable();
  }
  std::string problem;
  auto cmd = submit(&problem);
  if (!problem.empty() && problem != "nothing changed")
    ImGui::TextColored(palette().warning, "%s", problem.c_str());
  ImGui::BeginDisabled(!cmd);
  if (ui_button(creating ? "Create" : "Save", ImVec2(7 * em, 0)) && cmd) {
    out.push(*cmd);
    open = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ui_button("Cancel##form", ImVec2(7 * em, 0)) ||
      ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    open = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace craftsync::console
