#pragma once
// A client's local database for the engine's unit tests: an in-memory SQLite connection with
// the engine's own schema, the record store on it, and records as a pull leaves them.
//
// Threading: a LocalDb belongs to one thread.

#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/local_schema.hpp"
#include "core/record_store.hpp"
#include "core/sqlite_db.hpp"

namespace craftsync::test {

/// Fixed record ids the engine's unit tests share.
inline const std::string kAda = "019b76da-a800-73f1-956e-eb2f2632d7bd";
inline const std::string kBob = "019b76da-a800-73f1-956e-eb2f2632d7be";
inline const std::string kGone = "019b76da-a800-73f1-956e-000000000000";
inline constexpr Entity kCustomers = Entity::customers;

/// A list query without designated initializers (which -Wextra flags for the members left out).
inline ListQuery list_query(std::string search, std::string state, std::int64_t offset = 0,
                            std::int64_t limit = 100) {
  ListQuery q;
  q.search = std::move(search);
  q.state = std::move(state);
  q.offset = offset;
  q.limit = limit;
  return q;
}

struct LocalDb {
  SqliteConn db{":memory:", 1000};
  RecordStore store{db};

  LocalDb() { migrate_local_schema(db); }

  /// Puts `row` in as the server's rev `rev` of it, with no local work: the row and a synced
  /// bookkeeping row, as pull's fast path writes them.
  nlohmann::json seed_synced(Entity e, const nlohmann::json& row, std::int64_t rev) {
    std::string id = row["id"].get<std::string>();
    store.write_row(e, id, row);
    if (!store.sync().take_remote(e, id, rev, "2026-01-01T00:00:00Z", false))
      throw std::logic_error("seed_synced: " + id + " has local work");
    return *store.read_row(e, id);
  }

  /// Marks a record's outbox entries as sent (push does this before the request goes out).
  void mark_inflight(Entity e, const std::string& id) {
    for (const OutboxEntry& o : store.outbox_for(e, id))
      store.sync().mark_sent(o.seq, store.device_id());
  }

  std::int64_t outbox_size() { return store.sync().outbox_size(); }
};

/// A complete customer row (every field present) with a fixed id.
inline nlohmann::json customer_row(const std::string& id, const std::string& name,
                                   const std::string& city) {
  return {{"id", id},
          {"name", name},
          {"email", nullptr},
          {"phone", "555"},
          {"address", nullptr},
          {"city", city},
          {"state", nullptr},
          {"zip", nullptr},
          {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"}};
}

}  // namespace craftsync::test
