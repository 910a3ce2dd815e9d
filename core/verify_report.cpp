#include "core/verify_report.hpp"

#include "core/number_text.hpp"

namespace craftsync {

using nlohmann::json;

json VerifyReport::to_json() const {
  json by_entity = json::object();
  for (const EntityCheck& c : entities) {
    by_entity[std::string(entity_name(c.entity))] = {{"local", c.local},
                                                     {"server", c.server},
                                                     {"missing_locally", c.missing_locally},
                                                     {"missing_on_server", c.missing_on_server},
                                                     {"differ", c.differ},
                                                     {"pending", c.pending}};
  }
  json out = {{"ok", ok}, {"entities", std::move(by_entity)}, {"pulled", pulled}};
  if (repair_ran) out["repaired"] = repaired;
  out["cost"] = {{"requests", cost.requests},
                 {"bytes", cost.bytes},
                 {"buckets", cost.buckets},
                 {"expanded", cost.expanded},
                 {"ms", ms}};
  return out;
}

std::int64_t differences(const EntityCheck& c) {
  return static_cast<std::int64_t>(c.missing_locally.size() + c.missing_on_server.size() +
                                   c.differ.size());
}

std::string VerifyReport::summary() const {
  std::int64_t off = 0, pending = 0, records = 0;
  for (const EntityCheck& c : entities) {
    off += differences(c);
    pending += c.pending;
    records += c.server;
  }
  std::string text;
  if (ok) {
    text = "Verified " + thousands(records) + " records: this database holds what the server holds";
    if (pending) text += " (" + thousands(pending) + " with pending changes)";
  } else {
    text = thousands(off) + (off == 1 ? " record differs" : " records differ") + " from the server";
    std::string parts;
    for (const EntityCheck& c : entities)
      if (std::int64_t n = differences(c)) {
        std::string noun(entity_name(c.entity));  // customers, quotes, orders
        if (n == 1) noun.pop_back();
        parts += (parts.empty() ? "" : ", ") + thousands(n) + " " + noun;
      }
    text += " (" + parts + ")";
  }
  if (repair_ran) text += "; repair fixed " + thousands(repaired);
  return text;
}

}  // namespace craftsync
