#include "server/pg_conn.hpp"

#include <charconv>
#include <chrono>
#include <stdexcept>

namespace craftsync::server {
namespace {

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// SQLSTATEs after which the same request may succeed when sent again.
bool transient_state(std::string_view state) {
  return starts_with(state, "08") ||  // connection exception
         starts_with(state, "53") ||  // insufficient resources (too many connections, ...)
         state == "40001" ||          // serialization failure
         // Writers do not wait for each other, so a concurrent one may create the same new
         // id, or remove a parent, first; the resend is judged against what it did.
         state == "23505" ||  // unique violation
         state == "23503" ||  // foreign key violation
         state == "40P01" ||  // deadlock detected
         state == "55P03" ||  // lock not available (lock_timeout)
         state == "57014" ||  // query canceled (statement_timeout)
         state == "57P01" ||  // admin shutdown (backend terminated)
         state == "57P02" ||  // crash shutdown
         state == "57P03";    // cannot connect now (starting up)
}

}  // namespace

[[noreturn]] void throw_pg(PGconn* c, const PGresult* r, std::string_view what) {
  std::string message = trimmed(r ? PQresultErrorMessage(r) : nullptr);
  if (message.empty()) message = trimmed(PQerrorMessage(c));
  const char* state_text = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view state = state_text ? state_text : "";
  std::string full = std::string(what) + ": " + message;
  if (PQstatus(c) != CONNECTION_OK || starts_with(state, "08") || state == "57P01" ||
      state == "57P02")
    throw PgConnectionLost("PostgreSQL connection lost: " + full);
  if (transient_state(state)) throw StorageUnavailable("PostgreSQL busy: " + full);
  throw std::runtime_error("PostgreSQL error " + std::string(state) + ": " + full);
}

std::int64_t PgResult::int_at(int row, int col) const {
  std::string_view t = text(row, col);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || ptr != t.data() + t.size())
    throw std::runtime_error("PostgreSQL returned a non-integer where one was expected");
  return v;
}

PgConn::PgConn(const std::string& url, int lock_timeout_ms) {
  // Our defaults come first so that the URL's own settings override them.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "craftsync-server", url.c_str(), nullptr};
  c_ = PQconnectdbParams(keys, values, 1);
  if (!c_ || PQstatus(c_) != CONNECTION_OK) {
    std::string why = c_ ? trimmed(PQerrorMessage(c_)) : "out of memory";
    PQfinish(c_);
    c_ = nullptr;
    throw PgConnectionLost("cannot connect to PostgreSQL: " + why);
  }
  PQsetNoticeProcessor(
      c_, [](void*, const char*) {}, nullptr);
  try {
    exec("SET lock_timeout = " + std::to_string(lock_timeout_ms) +
         "; SET idle_in_transaction_session_timeout = 60000");
  } catch (...) {
    PQfinish(c_);  // no destructor runs for a half-made object
    throw;
  }
}

PgConn::~PgConn() {
  PQfinish(c_);
}

int PgConn::take_notifications() {
  if (PQconsumeInput(c_) == 0 || broken())
    throw PgConnectionLost("PostgreSQL connection lost: " + trimmed(PQerrorMessage(c_)));
  int n = 0;
  while (PGnotify* note = PQnotifies(c_)) {
    PQfreemem(note);
    ++n;
  }
  return n;
}

PgResult PgConn::checked(PGresult* r, std::string_view sql) {
  PgResult result(r);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string_view head = sql.substr(0, std::min<std::size_t>(sql.size(), 60));
    throw_pg(c_, r, head);
  }
  return result;
}

PgResult PgConn::exec(const std::string& sql) {
  round_trip();
  return checked(PQexec(c_, sql.c_str()), sql);
}

std::vector<PgResult> PgConn::exec_all(const std::string& sql) {
  round_trip();
  if (PQsendQuery(c_, sql.c_str()) == 0) throw_pg(c_, nullptr, "sending statements");
  std::vector<PgResult> results;
  std::optional<PgResult> failed;
  while (PGresult* r = PQgetResult(c_)) {
    auto status = PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      results.emplace_back(r);
    else if (status == PGRES_EMPTY_QUERY)
      PQclear(r);
    else if (!failed)
      failed.emplace(r);  // read on to the end, so that the connection is ready again
    else
      PQclear(r);
  }
  if (failed) checked(failed->release(), sql);
  if (broken()) throw_pg(c_, nullptr, "reading results");
  return results;
}

PgResult PgConn::query(const std::string& sql, std::initializer_list<PgParam> params) {
  return query(sql, std::vector<PgParam>(params));
}

void PgConn::prepare(const std::string& sql, int params) {
  if (prepared_.count(sql)) return;
  std::string name = "s" + std::to_string(prepared_.size());
  round_trip();
  checked(PQprepare(c_, name.c_str(), sql.c_str(), params, nullptr), sql);
  prepared_.emplace(sql, std::move(name));
}

std::string PgConn::execute_text(const std::string& sql, const std::vector<PgParam>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) throw std::logic_error("execute_text: not prepared: " + sql);
  std::string out = "EXECUTE " + it->second;
  if (params.empty()) return out;
  out += '(';
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += ", ";
    append_literal(out, params[i]);
  }
  return out + ')';
}

void PgConn::append_literal(std::string& out, const PgParam& p) {
  if (!p) {
    out += "NULL";
    return;
  }
  char* quoted = PQescapeLiteral(c_, p->data(), p->size());
  if (!quoted) throw_pg(c_, nullptr, "escaping a literal");
  out += quoted;
  PQfreemem(quoted);
}

void PgConn::adopt_prepared(const std::unordered_map<std::string, std::string>& statements) {
  for (const auto& [sql, name] : statements) {
    if (prepared_.count(sql)) continue;
    round_trip();
    checked(PQprepare(c_, name.c_str(), sql.c_str(), 0, nullptr), sql);
    prepared_.emplace(sql, name);
  }
}

PgResult PgConn::query(const std::string& sql, const std::vector<PgParam>& params) {
  prepare(sql, static_cast<int>(params.size()));
  auto it = prepared_.find(sql);
  // libpq wants NUL-terminated text, and a string_view need not be.
  std::vector<std::string> owned;
  owned.reserve(params.size());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) {
    if (!p) {
      values.push_back(nullptr);
      continue;
    }
    owned.emplace_back(*p);
    values.push_back(owned.back().c_str());
  }
  round_trip();
  return checked(PQexecPrepared(c_, it->second.c_str(), static_cast<int>(values.size()),
                                values.data(), nullptr, nullptr, 0),
                 sql);
}

PgPool::Lease PgPool::acquire() {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(lock_timeout_ms_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c), true);
    }
    if (created_ < size_) {
      ++created_;
      lock.unlock();
      try {
        auto c = std::make_unique<PgConn>(url_, lock_timeout_ms_);
        c->count_round_trips(&trips_);
        return Lease(this, std::move(c), false);
      } catch (...) {
        std::lock_guard relock(mu_);
        --created_;
        cv_.notify_one();
        throw;
      }
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        created_ >= size_)
      throw StorageUnavailable("every PostgreSQL connection of this server is busy");
  }
}

void PgPool::give_back(std::unique_ptr<PgConn> c) {
  // A connection still inside a transaction (an exception left it there) is rolled back
  // before anyone else may use it; a broken one is closed and its slot freed.
  if (!c->broken() && c->in_transaction()) {
    try {
      c->exec("ROLLBACK");
    } catch (...) {
    }
  }
  bool keep = !c->broken() && !c->in_transaction();
  {
    std::lock_guard lock(mu_);
    if (keep)
      idle_.push_back(std::move(c));
    else
      --created_;
  }
  cv_.notify_one();
  // A dropped connection is closed here, outside the lock.
}

void PgPool::drop_idle() {
  std::vector<std::unique_ptr<PgConn>> doomed;
  {
    std::lock_guard lock(mu_);
    doomed.swap(idle_);
    created_ -= static_cast<int>(doomed.size());
  }
  cv_.notify_all();
}

}  // namespace craftsync::server
