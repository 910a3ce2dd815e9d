#include "tests/support/pg_session.hpp"

#include <poll.h>

#include <stdexcept>
#include <thread>

namespace craftsync::test {

PgSession::PgSession(const std::string& url) : c_(PQconnectdb(url.c_str())) {
  if (PQstatus(c_) != CONNECTION_OK) {
    std::string why = PQerrorMessage(c_);
    PQfinish(c_);
    throw std::runtime_error("cannot connect to PostgreSQL: " + why);
  }
  PQsetNoticeProcessor(
      c_, [](void*, const char*) {}, nullptr);
}

PgSession::~PgSession() {
  PQfinish(c_);
}

std::string PgSession::exec(const std::string& sql) {
  send(sql);
  return finish();
}

void PgSession::send(const std::string& sql) {
  if (!PQsendQuery(c_, sql.c_str()))
    throw std::runtime_error("cannot send SQL: " + std::string(PQerrorMessage(c_)));
}

std::string PgSession::finish() {
  std::string value, error;
  while (PGresult* r = PQgetResult(c_)) {
    auto status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK) {
      value = PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    } else if (status == PGRES_COMMAND_OK) {
      value.clear();
    } else if (error.empty()) {
      error = PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  if (!error.empty()) throw std::runtime_error("SQL failed: " + error);
  return value;
}

int PgSession::next_notification(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!PQconsumeInput(c_))
      throw std::runtime_error("PostgreSQL connection lost: " + std::string(PQerrorMessage(c_)));
    if (PGnotify* n = PQnotifies(c_)) {
      int pid = n->be_pid;
      PQfreemem(n);
      return pid;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    pollfd p{PQsocket(c_), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
}

int wait_for_lock_waiter(PgSession& monitor, const std::string& condition,
                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string pid =
        monitor.exec("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND (" +
                     condition + ") ORDER BY pid LIMIT 1");
    if (!pid.empty()) return std::stoi(pid);
    if (std::chrono::steady_clock::now() > deadline) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval, not a wait
  }
}

std::string url_with_database(const std::string& url, const std::string& dbname) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) throw std::runtime_error("not a postgres:// URL");
  auto path = url.find('/', scheme + 3);
  auto query = url.find('?', scheme + 3);
  std::string base = url.substr(0, std::min(path, query));
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + dbname + rest;
}

}  // namespace craftsync::test
