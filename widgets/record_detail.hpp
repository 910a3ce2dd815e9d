#pragma once
// The inspector's detail pane for one record: its fields, its sync_metadata (state, versions,
// last sync, provisional number, rejection errors), its outbox entries, and its raw JSON.
//
// Threading: the render thread only. Holds UI state only (the raw JSON text being shown).

#include <functional>
#include <memory>
#include <string>

#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

/// The record with its sync bookkeeping as pretty JSON, as the CLI's `get` prints it.
std::string raw_json_text(const RecordDetail& d);

/// The detail's last_synced_at: the time, or for a record a pull wrote without bookkeeping
/// (which keeps no time), when that was; empty for a record never synced.
std::string last_synced_text(const RecordSync& s);

struct RecordDetailPane {
  // follow: show `target` (a link was clicked); create_child: a new `child` record that refers
  // to this one ("New quote for this customer").
  enum class Action { none, edit, remove, follow, create_child };
  RelatedRecord target;
  Entity child = Entity::quotes;
  /// Draws the pane; returns what the person asked for. `more` draws further sections (the
  /// history) before the raw JSON, which takes the height left.
  Action draw(const std::shared_ptr<const RecordDetail>& detail,
              const std::function<void()>& more = {});

 private:
  void draw_related(const RecordDetail& d, Action& action);
  std::shared_ptr<const RecordDetail> cached_for_;  // held, so its address is not reused
  std::string raw_;
};

}  // namespace craftsync::console
