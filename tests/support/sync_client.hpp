#pragma once
// A real engine with its own temporary database, pointed at a ServerProcess. Not shared
// between threads.

#include <filesystem>
#include <memory>
#include <string>

#include "core/sync_engine.hpp"
#include "tests/support/server_process.hpp"

namespace craftsync::test {

class TestClient {
 public:
  explicit TestClient(const ServerProcess& server) : TestClient(server.url(), server.admin_key()) {}
  TestClient(const std::string& url, const std::string& key, const std::string& copy_of = "") {
    if (!copy_of.empty()) std::filesystem::copy_file(copy_of, db_path());
    url_ = url;
    key_ = key;
    open();
  }

  /// A second laptop with a copy of this database file (as `cp` would make it).
  TestClient(const ServerProcess& server, const std::string& copy_of)
      : TestClient(server.url(), server.admin_key(), copy_of) {}

  /// Closes the database (SQLite folds its WAL back into the file), so that the file alone is
  /// the whole database and can be copied.
  void close() { engine_.reset(); }
  void open() {
    engine_ = std::make_unique<SyncEngine>(db_path());
    point_at(url_, key_);
  }
  /// Copies the database file, as a backup would.
  void backup_to(const std::string& path) {
    close();
    std::filesystem::copy_file(db_path(), path, std::filesystem::copy_options::overwrite_existing);
    open();
  }
  /// Puts a backup back in place of the database file.
  void restore_from(const std::string& path) {
    close();
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(db_path() + suffix);
    std::filesystem::copy_file(path, db_path(), std::filesystem::copy_options::overwrite_existing);
    open();
  }

  void point_at(const std::string& url, const std::string& key) {
    url_ = url;
    key_ = key;
    RemoteConfig r;
    r.url = url;
    r.api_key = key;
    r.max_attempts = 2;
    r.backoff_base_ms = 20;
    engine_->set_remote(r);
  }

  SyncReport sync(SyncOptions o = {}) { return engine_->sync(o, nullptr, cancel_); }
  SyncReport sync_with(ConflictPolicy p) {
    SyncOptions o;
    o.policy = p;
    return sync(o);
  }

  SyncEngine& engine() { return *engine_; }
  RecordStore& records() { return engine_->records(); }
  std::string db_path() const { return dir_.file("client.db"); }
  nlohmann::json row(Entity e, const std::string& id) {
    auto r = records().read_row(e, id);
    return r ? *r : nlohmann::json(nullptr);
  }
  std::string state(Entity e, const std::string& id) {
    auto s = records().sync_info(e, id);
    return s ? s->state : "";
  }

 private:
  TempDir dir_;
  std::string url_, key_;
  CancelToken cancel_;
  std::unique_ptr<SyncEngine> engine_;
};

}  // namespace craftsync::test
