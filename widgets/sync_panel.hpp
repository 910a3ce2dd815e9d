#pragma once
// Sync & settings: a manual sync (entity, direction, Sync Now, Cancel), the automatic sync
// settings (on/off, interval 5–1440 minutes, sync on launch, conflict policy), and the server
// (URL, masked API key, Test connection and its results).
//
// Threading: the render thread only. Holds UI state only: the choices and the settings form
// being edited, which mirrors the snapshot until the person changes something.

#include <optional>
#include <string>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

/// The settings form as typed, before validation.
struct SettingsForm {
  bool auto_sync = true;
  int interval_minutes = 30;
  int policy = 0;  // 0 remote, 1 local, 2 manual
  bool sync_on_launch = true;
  bool live_sync = true;
  std::string url, api_key;

  static SettingsForm from(const Snapshot& s);
  /// "" when valid, else one line saying what to fix.
  std::string problem() const;
  /// The command that saves it; nullopt while invalid.
  std::optional<SaveSettings> save_command(const Snapshot& s) const;
  bool operator==(const SettingsForm&) const = default;
};

struct SyncPanel {
  int entity = 0;     // 0 all, then customers, quotes, orders
  int direction = 0;  // 0 both, 1 push, 2 pull
  SettingsForm form;
  bool editing = false;  // the form differs from the snapshot and is not saved yet
  bool show_key = false;
  bool focus_url = false;  // put the cursor in the URL field at the next draw

  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms);
  /// The manual sync the panel's choices describe (also for Ctrl+S).
  SyncNow sync_now_command() const;

 private:
  void draw_manual(const Snapshot& s, Commands& out);
  void draw_auto(const Snapshot& s, std::int64_t now_ms);
  void draw_server(const Snapshot& s, Commands& out);
  void draw_connection_test(const Snapshot& s);
  bool seen_unconfigured_ = false;
};

}  // namespace craftsync::console
