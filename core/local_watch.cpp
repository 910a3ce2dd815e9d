#include "core/local_watch.hpp"

#include <cstdint>
#include <exception>

#include "core/sqlite_db.hpp"
#include "core/sync_state.hpp"

namespace craftsync {

LocalWriteWatch::LocalWriteWatch(std::string db_path, std::function<void()> queued,
                                 std::chrono::milliseconds interval)
    : db_path_(std::move(db_path)),
      queued_(std::move(queued)),
      interval_(interval),
      thread_([this] { loop(); }) {}

LocalWriteWatch::~LocalWriteWatch() {
  stop_.stop();
  thread_.join();
}

void LocalWriteWatch::loop() {
  std::int64_t version = -1, last_seq = -1;
  std::unique_ptr<SqliteConn> db;
  do {
    try {
      if (!db) db = std::make_unique<SqliteConn>(db_path_, 1000);
      auto st = db->prepare("PRAGMA data_version");
      st.step();
      std::int64_t v = st.int_at(0);
      if (v != version) {
        version = v;
        std::int64_t seq = SyncState(*db).last_used_seq();
        if (last_seq >= 0 && seq > last_seq) queued_();
        last_seq = seq;
      }
    } catch (const std::exception&) {
      db.reset();  // busy or locked: the next look tries again with a fresh connection
    }
  } while (stop_.wait_for(interval_));
}

}  // namespace craftsync
