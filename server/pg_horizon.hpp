#pragma once
// The commit horizon of the PostgreSQL change log: a rev at or below which no transaction can
// still be in flight. A pull serves changes up to the horizon only, so it never moves a cursor
// past a rev that commits later, while writers take revs from a sequence and never wait for
// each other. docs/protocol.md, "Gap-free pulls on PostgreSQL", proves the rule.
//
// Each write transaction claims a lower bound of its revs before it takes the first one
// (craftsync_log_changes(), pg_schema.cpp): a shared advisory lock keyed by the sequence's last
// value, held until it ends. craftsync_horizon() reads the sequence, then the claims still
// held in this database; the horizon is the newest rev, or just below the lowest claim. The
// caller reads the rows with a statement of its own, after that: whatever ended before the
// claims were read is visible to it.
//
// Threading: stateless; each call uses the connection it is given.

#include <cstdint>

namespace craftsync::server {

class PgConn;

struct CommitHorizon {
  std::int64_t newest = 0;  // the last rev handed out, perhaps still in flight
  std::int64_t safe = 0;    // every rev up to this one has committed or rolled back
};

/// One round trip. Call it before, never inside, the statement that reads the rows.
CommitHorizon read_commit_horizon(PgConn& c);

}  // namespace craftsync::server
