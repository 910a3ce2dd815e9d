#include "server/pg_horizon.hpp"

#include "server/pg_conn.hpp"

namespace craftsync::server {

CommitHorizon read_commit_horizon(PgConn& c) {
  auto r = c.query("SELECT newest, safe FROM craftsync_horizon()");
  return {r.int_at(0, 0), r.int_at(0, 1)};
}

}  // namespace craftsync::server
