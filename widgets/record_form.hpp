#pragma once
// The create / edit form of the data inspector, shown as a modal. Saving emits CreateRecord or
// UpdateRecord (only the changed fields); the engine validates, and the change goes to the
// outbox for the next sync.
//
// Threading: the render thread only. Holds UI state only (the typed values).

#include <map>
#include <optional>
#include <string>

#include "widgets/model/commands.hpp"

namespace craftsync::console {

struct RecordForm {
  /// Values a new record starts with, and the names of the records its references point to.
  struct Prefill {
    std::map<std::string, std::string> values, names;
  };

  bool open = false;
  bool creating = false;
  Entity entity = Entity::customers;
  std::string id;
  std::map<std::string, std::string> values, original;
  std::map<std::string, std::string> names;  // reference field -> the chosen record's name
  std::string open_picker;      // a reference field whose picker opens at the next draw
  nlohmann::json original_row;  // the record being edited, for its name in the heading

  void begin_create(Entity e, const Prefill& prefill = {});
  void begin_edit(Entity e, const nlohmann::json& row,
                  const std::map<std::string, std::string>& ref_names = {});
  /// The command Save would send; nullopt with `problem` set when something is missing.
  std::optional<Command> submit(std::string* problem = nullptr) const;
  /// `choices`: the worker's answer to the picker's last FindChoices, if any.
  void draw(Commands& out, const ChoiceList* choices = nullptr);
  /// A reference field's picker took a record (an order's quote brings its customer along).
  void choose(const std::string& field, const Choice& c);

  static bool editable(const FieldSpec& f);

 private:
  void draw_picker(const FieldSpec& f, Commands& out, const ChoiceList* choices);
  std::string picker_search_;
  std::optional<FindChoices> asked_;  // the last search sent, so that it goes once
};

}  // namespace craftsync::console
