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
  bool open = false;
  bool creating = false;
  Entity entity = Entity::customers;
  std::string id;
  std::map<std::string, std::string> values, original;

  void begin_create(Entity e, const std::map<std::string, std::string>& prefill = {});
  void begin_edit(Entity e, const nlohmann::json& row);
  /// The command Save would send; nullopt with `problem` set when something is missing.
  std::optional<Command> submit(std::string* problem = nullptr) const;
  void draw(Commands& out);

  static bool editable(const FieldSpec& f);
};

}  // namespace craftsync::console
