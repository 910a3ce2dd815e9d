#include "app/cli/cli_output.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/number_text.hpp"

namespace craftsync::cli {
namespace {

std::string cell(const nlohmann::json& v, std::size_t width) {
  std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s;
}

}  // namespace

int fail(bool json, const std::string& message, int code) {
  std::fprintf(stderr, "craftsync: %s\n", message.c_str());
  if (json) print_json({{"ok", false}, {"error", message}, {"exit_code", code}});
  return code;
}

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_json_line(const nlohmann::json& j) {
  std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_table(Entity e, const std::vector<nlohmann::json>& rows) {
  std::vector<std::pair<std::string, std::size_t>> cols;
  switch (e) {
    case Entity::customers:
      cols = {{"id", 36}, {"name", 24}, {"email", 28}, {"city", 14}, {"state", 5}};
      break;
    case Entity::quotes:
      cols = {{"id", 36},
              {"quote_number", 20},
              {"customer_id", 36},
              {"total_amount", 12},
              {"status", 9}};
      break;
    case Entity::orders:
      cols = {{"id", 36}, {"order_number", 20}, {"quote_id", 36}, {"customer_id", 36}};
      break;
  }
  for (const auto& [name, w] : cols) std::printf("%-*s ", static_cast<int>(w), name.c_str());
  std::printf("%s\n", "sync");
  for (const auto& r : rows) {
    for (const auto& [name, w] : cols)
      std::printf("%-*s ", static_cast<int>(w), cell(r.value(name, nlohmann::json()), w).c_str());
    std::printf("%s\n", r.contains("_sync") ? r["_sync"].value("state", "").c_str() : "");
  }
  std::printf("(%zu %s)\n", rows.size(), std::string(entity_name(e)).c_str());
}

void print_report(const SyncReport& r) {
  std::printf("%s: pulled %s, pushed %s, merged %s, conflicts %s, rejected %s, held %s (%.1f s)\n",
              r.ok ? "sync ok" : "sync failed", thousands(r.pulled).c_str(),
              thousands(r.pushed).c_str(), thousands(r.merged).c_str(),
              thousands(r.conflicts).c_str(), thousands(r.rejected).c_str(),
              thousands(r.held).c_str(), static_cast<double>(r.duration_ms) / 1000.0);
  if (r.resynced)
    std::printf("the server asked for a full re-snapshot; local unsynced changes were kept\n");
  if (!r.notice.empty()) std::printf("note: %s\n", r.notice.c_str());
}

void print_status(const StatusReport& s) {
  std::printf("device          %s\n", s.device_id.c_str());
  std::printf("last sync       %s\n", s.last_sync_at.empty() ? "never" : s.last_sync_at.c_str());
  if (!s.last_error.empty()) std::printf("last error      %s\n", s.last_error.c_str());
  std::printf("records         %s customers, %s quotes, %s orders\n",
              thousands(s.records[0]).c_str(), thousands(s.records[1]).c_str(),
              thousands(s.records[2]).c_str());
  std::printf("pending         %s (outbox %s, rejected %s)\n", thousands(s.pending).c_str(),
              thousands(s.outbox).c_str(), thousands(s.rejected).c_str());
  for (const auto& r : s.rejected_records) {
    std::string why;
    for (const auto& e : r.errors)
      if (e.is_object())
        why += (why.empty() ? "" : "; ") + e.value("field", std::string("?")) + ": " +
               e.value("message", std::string());
    std::printf("  rejected      %s %s: %s\n", std::string(entity_name(r.entity)).c_str(),
                r.id.c_str(), why.c_str());
  }
  std::printf("open conflicts  %s\n", thousands(s.open_conflicts).c_str());
  if (!s.fork.at.empty())
    std::printf(
        "note            this database was restored from a backup or copied; it syncs as "
        "a new device since %s (was %s)\n",
        s.fork.at.c_str(), s.fork.previous_device_id.c_str());
  std::printf("runs            %s total, %s ok, %s failed; pushed %s, pulled %s\n",
              thousands(s.stats.total).c_str(), thousands(s.stats.success).c_str(),
              thousands(s.stats.failed).c_str(), thousands(s.stats.pushed).c_str(),
              thousands(s.stats.pulled).c_str());
}

void print_verify(const VerifyReport& r) {
  auto ids = [](const char* what, const std::vector<std::string>& list) {
    if (list.empty()) return;
    std::printf("  %-18s", what);
    for (std::size_t i = 0; i < list.size() && i < 10; ++i) std::printf(" %s", list[i].c_str());
    if (list.size() > 10) std::printf(" and %zu more", list.size() - 10);
    std::printf("\n");
  };
  for (const EntityCheck& c : r.entities) {
    std::size_t off = c.missing_locally.size() + c.missing_on_server.size() + c.differ.size();
    std::printf(
        "%-10s local %s, server %s, pending %s: %s\n", std::string(entity_name(c.entity)).c_str(),
        thousands(c.local).c_str(), thousands(c.server).c_str(), thousands(c.pending).c_str(),
        off == 0 ? "match" : (thousands(static_cast<std::int64_t>(off)) + " differ").c_str());
    ids("missing locally", c.missing_locally);
    ids("missing on server", c.missing_on_server);
    ids("differ", c.differ);
  }
  if (r.repair_ran) std::printf("repaired   %s record(s)\n", thousands(r.repaired).c_str());
  std::printf("%s (%s requests, %.1f kB, %.0f ms)\n",
              r.ok           ? "verify: this database holds what the server holds"
              : r.repair_ran ? "verify: differences remain after repair"
                             : "verify: differences found (craftsync verify --repair fixes "
                               "those without pending changes)",
              thousands(r.cost.requests).c_str(), static_cast<double>(r.cost.bytes) / 1000.0, r.ms);
}

void print_history(const RecordHistory& h) {
  std::printf("%s %s: %zu revision%s, newest first%s\n", std::string(entity_name(h.entity)).c_str(),
              h.id.c_str(), h.revisions.size(), h.revisions.size() == 1 ? "" : "s",
              h.truncated ? " (older ones not shown)" : "");
  std::printf("%8s  %-24s  %-38s  %s\n", "rev", "at", "by", "what");
  auto value = [](const nlohmann::json& v) {
    std::string s = v.is_null()     ? "null"
                    : v.is_string() ? "\"" + v.get<std::string>() + "\""
                                    : v.dump();
    return s.size() > 40 ? s.substr(0, 39) + "~" : s;
  };
  for (std::size_t i = 0; i < h.revisions.size(); ++i) {
    const RevisionView& r = h.revisions[i];
    const RevisionView* older = i + 1 < h.revisions.size() ? &h.revisions[i + 1] : nullptr;
    std::printf("%8lld  %-24s  %-38s  %s\n", static_cast<long long>(r.rev), r.at.c_str(),
                r.by.c_str(), describe_revision(h.entity, older, r).c_str());
    if (!older || r.deleted || older->deleted) continue;
    for (const FieldChange& c : changed_fields(h.entity, older->data, r.data))
      if (c.field != "updated_at")
        std::printf("%8s  %-24s  %-38s    %s: %s -> %s\n", "", "", "", c.field.c_str(),
                    value(c.before).c_str(), value(c.after).c_str());
  }
}

void print_connection(const ConnectionReport& r, const std::string& url) {
  std::printf("server          %s\n", url.c_str());
  std::printf("reachable       %s\n", r.reachable ? "yes" : "no");
  std::printf("authenticated   %s%s\n", r.authenticated ? "yes, role " : "no", r.role.c_str());
  if (!r.server_version.empty())
    std::printf("server version  %s (protocol %d%s%s)\n", r.server_version.c_str(), r.protocol,
                r.backend.empty() ? "" : ", ", r.backend.c_str());
  if (r.authenticated) {
    std::printf("round trip      %.1f ms\n", r.round_trip_ms);
    std::printf("clock skew      %+.0f ms (server minus local)\n", r.clock_skew_ms);
  }
  if (!r.error.empty()) std::printf("error           %s\n", r.error.c_str());
}

void print_conflicts(const std::vector<ConflictRecord>& list) {
  if (list.empty()) {
    std::printf("no conflicts\n");
    return;
  }
  for (const auto& c : list) {
    std::string fields;
    for (const auto& f : c.fields) fields += (fields.empty() ? "" : ", ") + f;
    std::printf("#%lld %s %s  fields: %s  %s\n", static_cast<long long>(c.id),
                std::string(entity_name(c.entity)).c_str(), c.entity_id.c_str(), fields.c_str(),
                c.resolved ? ("resolved: " + c.resolution.text()).c_str() : "OPEN");
    for (const auto& f : c.fields) {
      if (f == kDeletedField) {
        std::printf("    local: %s   remote: %s\n", c.local.is_null() ? "deleted" : "edited",
                    c.remote.is_null() ? "deleted" : "edited");
        continue;
      }
      auto val = [&](const nlohmann::json& side) {
        return side.is_object() && side.contains(f) ? side[f].dump() : "-";
      };
      std::printf("    %-14s base %s | local %s | remote %s\n", f.c_str(), val(c.base).c_str(),
                  val(c.local).c_str(), val(c.remote).c_str());
    }
  }
}

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
ProgressLine::~ProgressLine() {
  finish();
}

void ProgressLine::update(const SyncProgress& p) {
  if (!enabled_ || p.phase == SyncPhase::done) return;
  if (p.phase == SyncPhase::pulling) {
    int pct = p.total > 0 ? static_cast<int>(100 * p.done / p.total) : 100;
    std::fprintf(stderr, "\r\033[Kpulling: page %s, %s records, %d%%, %s records/s",
                 thousands(p.pages).c_str(), thousands(p.records).c_str(), pct,
                 thousands(static_cast<std::int64_t>(p.records_per_second)).c_str());
  } else if (p.phase == SyncPhase::pushing) {
    std::fprintf(stderr, "\r\033[Kpushing: %s applied", thousands(p.pushed).c_str());
  } else {
    std::fprintf(stderr, "\r\033[K%s...", std::string(phase_name(p.phase)).c_str());
  }
  drawn_ = true;
}

void ProgressLine::finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace craftsync::cli
