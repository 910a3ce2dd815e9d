#pragma once
// One sync at a time per local database, across processes (the console, `craftsync watch`, a
// cron job): an advisory lock on "<database>.sync-lock", released when the sync ends or the
// process dies.
//
// Threading: held by the thread that runs the sync.

#include <string>

namespace craftsync {

class SyncLock {
 public:
  /// Throws std::runtime_error ("another sync is running on this database") when it is held.
  explicit SyncLock(const std::string& db_path);
  ~SyncLock();
  SyncLock(const SyncLock&) = delete;
  SyncLock& operator=(const SyncLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace craftsync
