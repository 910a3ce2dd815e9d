#pragma once
// Conflict resolution: "Conflict 1 of 3 — customers <id>", the local (this device) and remote
// (server) records side by side with the base on request, differing fields highlighted and
// automatically merged fields marked; Keep Local, Keep Remote, or a pick per field and Apply;
// next and previous; and the resolution history, where an overwritten value can be restored.
//
// Threading: the render thread only. Holds UI state only (which conflict, the picks).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

/// The commands behind the buttons, as pure functions.
ResolveConflict keep_side(const ConflictRecord& c, Side side);
/// nullopt until every conflicting field has a pick.
std::optional<ResolveConflict> apply_picks(const ConflictRecord& c,
                                           const std::map<std::string, Side>& picks);

/// For a resolved conflict: which side lost each conflicting field (the value that can be
/// restored). Empty when nothing was overwritten.
std::map<std::string, Side> losing_sides(const ConflictRecord& c);

/// True when a conflict is delete-versus-edit.
bool is_delete_conflict(const ConflictRecord& c);

/// What happened to one field of a conflicting record. Every field that only one side changed
/// was merged, whichever side that was, and the dialog marks them all the same way.
enum class FieldOutcome {
  conflicting,  // both sides changed it: a person picks
  took_remote,  // merged: the server's change was taken
  kept_local,   // merged: this device's change was kept
  same,         // neither side changed it, or both made the same change
  bookkeeping,  // timestamps and server-assigned numbers, shown but not merged
};
FieldOutcome field_outcome(const ConflictRecord& c, std::string_view field);

struct ConflictDialog {
  std::size_t index = 0;  // into the open conflicts
  bool show_base = false;
  bool show_history = true;
  std::map<std::string, Side> picks;  // for the conflict on screen
  bool sync_after = true;             // "and sync now": a resolution reaches the server at once

  void draw(const Snapshot& s, Commands& out);
  /// Moves to the next or previous conflict (wrapping), clearing the picks.
  void step(int delta, std::size_t count);

 private:
  void draw_conflict(const ConflictRecord& c, std::size_t count, Commands& out);
  void draw_fields(const ConflictRecord& c);
  void draw_history(const Snapshot& s, Commands& out);
  std::int64_t current_id_ = 0;
};

}  // namespace craftsync::console
