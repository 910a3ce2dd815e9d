#pragma once
// What "converged" means, checked on real databases: every client holds exactly the server's
// rows (every column, timestamps included), no reference dangles, and nothing sits rejected
// without a reason. Used by the two-client tests and the randomized model test.
//
// Threading: plain functions; each uses only what it is given.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"

namespace craftsync {
class SyncEngine;
}

namespace craftsync::test {

using Rows = std::map<std::string, nlohmann::json>;  // id -> row (id and every field, no rev)

/// Every live row of an entity on the server, read through the admin list route (with its
/// "rev" when `with_rev`).
Rows server_rows(const std::string& url, const std::string& key, Entity e, bool with_rev = false);
/// Every row of an entity in a client's local database.
Rows client_rows(SyncEngine& engine, Entity e);

/// One line per difference between the server's rows and a client's ("" when equal).
std::vector<std::string> row_differences(const Rows& server, const Rows& client, Entity e);

/// The rows PRAGMA foreign_key_check reports on a client's database, one line each.
std::vector<std::string> foreign_key_problems(SyncEngine& engine);

/// Everything that keeps a client from being converged with the server: differing rows,
/// dangling references, records still pending or in conflict, rejected records without a
/// reason, and outbox entries. Empty when converged.
std::vector<std::string> convergence_problems(const std::string& url, const std::string& key,
                                              SyncEngine& engine);

}  // namespace craftsync::test
