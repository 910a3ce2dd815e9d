#pragma once
// The status badge in the header: one line that says how sync stands ("✓ Synced 5 minutes ago
// (Auto: 30m)", "Syncing… 45% (12,000 / 100,000)", "Offline — retrying in 30 s", "⚠ 3
// conflicts need attention"). Clicking it opens the details: connection, auto-sync and
// statistics, and after a failed sync a "Retry now" that does not wait out the backoff.
//
// Threading: the render thread only. Holds UI state only.

#include <imgui.h>

#include <cstdint>
#include <string>

#include "widgets/model/commands.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::console {

enum class BadgeKind {
  loading,
  unconfigured,
  syncing,
  offline,
  auth_error,
  error,
  conflicts,
  live,  // synced, and a held pull is open: changes arrive as they happen
  synced,
  never_synced
};

struct BadgeView {
  BadgeKind kind = BadgeKind::loading;
  std::string text;
  ImVec4 color;
};

/// What the badge says for a snapshot at a given wall-clock time. Pure.
BadgeView badge_view(const Snapshot& s, std::int64_t now_ms);

/// The details' "State" line: "online", "offline", "not contacted yet", or, when an earlier
/// success is on screen next to it, "not contacted since the console started" (or "since the
/// settings changed"). Pure.
std::string connection_state_text(const Snapshot& s);

struct StatusBadge {
  bool open_details = false;       // opens the details popup at the next draw
  bool conflicts_clicked = false;  // set for one frame when the conflict badge was clicked

  void draw(const Snapshot& s, Commands& out, std::int64_t now_ms);
};

}  // namespace craftsync::console
