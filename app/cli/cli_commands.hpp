#pragma once
// The craftsync CLI's commands, one function each. They throw on failure; main() turns any
// exception into one line on stderr and a non-zero exit.
//
// Threading: the CLI has one thread; each command owns its engine for the call.

#include <string>
#include <vector>

#include "core/client_config.hpp"

namespace craftsync::cli {

struct GlobalOptions {
  std::string db;
  RemoteFlags remote;
  bool json = false;
};

int cmd_create(const GlobalOptions& g, const std::string& entity,
               const std::vector<std::string>& assignments);
int cmd_update(const GlobalOptions& g, const std::string& entity, const std::string& id,
               const std::vector<std::string>& assignments);
int cmd_delete(const GlobalOptions& g, const std::string& entity, const std::string& id);
int cmd_get(const GlobalOptions& g, const std::string& entity, const std::string& id);
int cmd_list(const GlobalOptions& g, const std::string& entity, const std::string& search,
             const std::string& state, long long limit, long long offset);
int cmd_sync(const GlobalOptions& g, const std::string& entity, const std::string& direction,
             const std::string& policy);
int cmd_status(const GlobalOptions& g);
int cmd_conflicts_list(const GlobalOptions& g, bool all);
int cmd_conflicts_resolve(const GlobalOptions& g, long long id, const std::string& keep,
                          const std::vector<std::string>& fields);
int cmd_test_connection(const GlobalOptions& g);
/// `verify`: exit 0 when the database holds what the server holds, 3 when it differs, and 2
/// (thrown) when the check could not run.
int cmd_verify(const GlobalOptions& g, const std::string& entity, bool repair);
/// `history`: exit 1 when the server has no history of the record, 2 (thrown) when it could
/// not be asked.
int cmd_history(const GlobalOptions& g, const std::string& entity, const std::string& id);
/// `watch --live`: a held pull open on the server, a sync whenever it or a local write says
/// there is something to move, and interval sync (said on stderr) while the server is offline.
int cmd_watch_live(const GlobalOptions& g, double interval_override);
int cmd_watch(const GlobalOptions& g, double interval_minutes_override);
int cmd_settings_get(const GlobalOptions& g, const std::string& key);
int cmd_settings_set(const GlobalOptions& g, const std::string& key, const std::string& value);

}  // namespace craftsync::cli
