#pragma once
// How the CLI prints: JSON on stdout in --json mode; tables and summaries otherwise; one-line
// errors and progress on stderr.
//
// Threading: the CLI's one thread. Progress is printed from the engine's progress callback,
// which runs on that same thread.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/sync_engine.hpp"

namespace craftsync::cli {

/// One line on stderr ("craftsync: ..."), and with `json` one JSON object on stdout
/// ({"ok":false,"error","exit_code"}); returns `code`.
int fail(bool json, const std::string& message, int code);
void print_json(const nlohmann::json& j);
/// One JSON object on one line, for a stream of them (JSON Lines): `watch --json`.
void print_json_line(const nlohmann::json& j);
void print_table(Entity e, const std::vector<nlohmann::json>& rows);
void print_report(const SyncReport& r);
void print_status(const StatusReport& s);
void print_verify(const VerifyReport& r);
void print_history(const RecordHistory& h);
void print_connection(const ConnectionReport& r, const std::string& url);
void print_conflicts(const std::vector<ConflictRecord>& list);

/// A progress line on a terminal, redrawn in place; silent when stderr is not a TTY.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  ~ProgressLine();
  void update(const SyncProgress& p);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace craftsync::cli
