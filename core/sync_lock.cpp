#include "core/sync_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace craftsync {

SyncLock::SyncLock(const std::string& db_path) {
  std::string path = db_path + ".sync-lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw std::runtime_error("another sync is running on this database; try again when it ends");
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(err));
  }
}

SyncLock::~SyncLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace craftsync
