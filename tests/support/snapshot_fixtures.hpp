#pragma once
// Snapshots for widget tests, built by hand the way the worker would publish them: empty,
// configured and synced, a 100k-row table, several conflicts, offline, error, a sync running.
//
// Threading: plain values; build and use on one thread.

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "widgets/model/snapshot.hpp"

namespace craftsync::test {

inline std::string fixture_uuid(std::int64_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "019b0000-0000-7000-8000-%012lld", static_cast<long long>(n));
  return buf;
}

/// Nothing loaded yet: what the UI draws before the worker's first snapshot.
inline console::Snapshot empty_snapshot() {
  return console::Snapshot{};
}

/// Database open, server configured, last sync a few minutes before `now_ms`.
inline console::Snapshot synced_snapshot(std::int64_t now_ms = unix_now_ms()) {
  console::Snapshot s;
  s.version = 1;
  s.loaded = true;
  s.db_path = "/tmp/client.db";
  s.remote.url = "http://127.0.0.1:8080";
  s.remote.api_key = "secret-key";
  s.remote.source = "command line";
  s.connection.link = console::Link::online;
  s.status.last_sync_at = iso_from_unix_ms(now_ms - 5 * 60 * 1000);
  s.status.last_attempt_at = s.status.last_sync_at;
  s.status.stats = {12, 11, 1, 40, 1200, 2, 0};
  s.runs = std::make_shared<const std::vector<RunRecord>>();
  s.open_conflicts = std::make_shared<const std::vector<ConflictRecord>>();
  s.resolved_conflicts = std::make_shared<const std::vector<ConflictRecord>>();
  s.events = std::make_shared<const std::vector<console::Event>>();
  return s;
}

/// Customer rows [offset, offset + count) of a table of `total`.
inline std::shared_ptr<const console::TablePage> customer_page(std::int64_t total,
                                                               std::int64_t offset,
                                                               std::int64_t count,
                                                               std::uint64_t generation = 0) {
  auto page = std::make_shared<console::TablePage>();
  page->query.entity = Entity::customers;
  page->query.offset = offset;
  page->query.limit = count;
  page->total = total;
  page->data_generation = generation;
  for (std::int64_t i = offset; i < std::min(total, offset + count); ++i) {
    console::RowView r;
    r.id = fixture_uuid(i);
    r.cells = {"Customer " + std::to_string(i),
               "c" + std::to_string(i) + "@example.com",
               "555-0100",
               "1 Main St",
               "Portland",
               "OR",
               "97201",
               "2026-01-01T00:00:00.000Z",
               "2026-01-01T00:00:00.000Z"};
    r.state = i % 10 == 3 ? "pending" : "synced";
    page->rows.push_back(std::move(r));
  }
  return page;
}

inline console::Snapshot big_table_snapshot(std::int64_t total = 100000) {
  console::Snapshot s = synced_snapshot();
  s.status.records[0] = total;
  s.pages[0] = customer_page(total, 0, 300);
  return s;
}

inline ConflictRecord customer_conflict(std::int64_t id, const std::string& entity_id) {
  ConflictRecord c;
  c.id = id;
  c.entity = Entity::customers;
  c.entity_id = entity_id;
  c.fields = {"phone", "email"};
  c.merged_fields = {"zip"};
  c.base = {{"id", entity_id},
            {"name", "Ada"},
            {"phone", "555-0000"},
            {"email", "a@old.example"},
            {"zip", "1"}};
  c.local = {{"id", entity_id},
             {"name", "Ada"},
             {"phone", "555-1111"},
             {"email", "a@local.example"},
             {"zip", "1"}};
  c.remote = {{"id", entity_id},
              {"name", "Ada"},
              {"phone", "555-2222"},
              {"email", "a@remote.example"},
              {"zip", "2"}};
  c.remote_rev = 40 + id;
  c.created_at = "2026-11-26T10:00:00.000Z";
  return c;
}

inline console::Snapshot conflicts_snapshot(int open = 3) {
  console::Snapshot s = synced_snapshot();
  auto list = std::make_shared<std::vector<ConflictRecord>>();
  for (int i = 1; i <= open; ++i) list->push_back(customer_conflict(10 + i, fixture_uuid(500 + i)));
  s.open_conflicts = list;
  s.status.open_conflicts = open;
  ConflictRecord done = customer_conflict(5, fixture_uuid(499));
  done.resolved = true;
  done.resolution = Outcome::of({Side::local, {}});
  done.resolved_at = "2026-11-26T11:00:00.000Z";
  s.resolved_conflicts =
      std::make_shared<const std::vector<ConflictRecord>>(std::vector<ConflictRecord>{done});
  return s;
}

inline console::Snapshot offline_snapshot(std::int64_t now_ms = unix_now_ms()) {
  console::Snapshot s = synced_snapshot(now_ms);
  s.connection = {console::Link::offline, "cannot reach http://127.0.0.1:9", now_ms + 30000};
  return s;
}

inline console::Snapshot error_snapshot() {
  console::Snapshot s = synced_snapshot();
  s.connection = {console::Link::error, "server answered 500 internal", 0};
  return s;
}

inline console::Snapshot syncing_snapshot(std::int64_t done, std::int64_t total) {
  console::Snapshot s = big_table_snapshot();
  s.sync.running = true;
  s.sync.trigger = "manual";
  s.sync.started_ms = unix_now_ms() - 2000;
  s.sync.progress.phase = SyncPhase::pulling;
  s.sync.progress.done = done;
  s.sync.progress.total = total;
  s.sync.progress.records = done;
  return s;
}

inline console::Snapshot unconfigured_snapshot() {
  console::Snapshot s = synced_snapshot();
  s.remote = {};
  s.connection.link = console::Link::unconfigured;
  s.status.last_sync_at.clear();
  return s;
}

}  // namespace craftsync::test
