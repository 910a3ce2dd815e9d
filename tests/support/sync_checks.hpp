#pragma once
// Catch2 checks shared by the engine's two-client tests.

#include <catch2/catch.hpp>

#include "tests/support/convergence.hpp"
#include "tests/support/http.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/sync_client.hpp"

namespace craftsync::test {

inline void require_ok(const SyncReport& r) {
  INFO(r.error);
  REQUIRE(r.ok);
}

/// The client holds exactly what the server holds (see convergence_problems).
inline void require_converged(const ServerProcess& s, TestClient& c) {
  auto problems = convergence_problems(s.url(), s.admin_key(), c.engine());
  for (const auto& p : problems) UNSCOPED_INFO(p);
  REQUIRE(problems.empty());
}

/// A record as the server has it now (without "rev"), or null when it has none.
inline nlohmann::json server_row(const ServerProcess& s, const std::string& entity,
                                 const std::string& id) {
  HttpClient http(s.url(), s.admin_key());
  auto a = http.get("/api/v1/" + entity + "/" + id);
  if (a.status != 200) return nullptr;
  nlohmann::json row = a.json();
  row.erase("rev");
  return row;
}

/// A person's decision on a delete conflict: Keep Local / Keep Remote, or the pick for the
/// record itself (`--field _deleted=...`).
inline Resolution delete_resolution(Side keep, bool as_field_pick) {
  Resolution res;
  if (as_field_pick)
    res.fields[std::string(kDeletedField)] = keep;
  else
    res.keep = keep;
  return res;
}

}  // namespace craftsync::test
