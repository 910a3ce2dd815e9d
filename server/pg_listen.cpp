#include "server/pg_listen.hpp"

#include <poll.h>

#include <chrono>
#include <cstdio>

#include "server/pg_conn.hpp"

namespace craftsync::server {
namespace {

std::int64_t read_head(PgConn& c) {
  return c.query("SELECT rev FROM rev_counter WHERE id = 1").int_at(0, 0);
}

}  // namespace

PgHeadListener::PgHeadListener(std::string url, std::function<void(std::int64_t)> moved)
    : url_(std::move(url)), moved_(std::move(moved)), thread_([this] { loop(); }) {}

PgHeadListener::~PgHeadListener() {
  stop_.stop();
  thread_.join();
}

void PgHeadListener::loop() {
  bool failing = false;  // said once per outage, not every second
  while (!stop_.stopped()) {
    try {
      PgConn c(url_, 5000);
      c.exec(std::string("LISTEN ") + kChangeChannel);
      if (failing) std::fprintf(stderr, "change listener: listening again\n");
      failing = false;
      moved_(read_head(c));  // whatever was written while nobody listened
      while (!stop_.stopped()) {
        pollfd p{c.socket(), POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;  // a timeout, to look at stop_ again
        // Read the head even when nobody waits yet: a request between its read of the log
        // and its subscription would otherwise miss this change until its wait ran out.
        if (c.take_notifications() > 0) moved_(read_head(c));
      }
    } catch (const std::exception& e) {
      if (!failing) std::fprintf(stderr, "change listener: %s; retrying every second\n", e.what());
      failing = true;
      stop_.wait_for(std::chrono::seconds(1));
    }
  }
}

}  // namespace craftsync::server
