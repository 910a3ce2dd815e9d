#pragma once
// A real engine with its own temporary database, pointed at a ServerProcess. Not shared
// between threads.

#include <memory>
#include <string>

#include "core/sync_engine.hpp"
#include "tests/support/server_process.hpp"

namespace craftsync::test {

class TestClient {
 public:
  explicit TestClient(const ServerProcess& server) : TestClient(server.url(), server.admin_key()) {}
  TestClient(const std::string& url, const std::string& key) {
    engine_ = std::make_unique<SyncEngine>(dir_.file("client.db"));
    point_at(url, key);
  }

  void point_at(const std::string& url, const std::string& key) {
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
    auto r = records().get(e, id);
    return r ? *r : nlohmann::json(nullptr);
  }
  std::string state(Entity e, const std::string& id) {
    auto s = records().sync_info(e, id);
    return s ? s->state : "";
  }

 private:
  TempDir dir_;
  CancelToken cancel_;
  std::unique_ptr<SyncEngine> engine_;
};

}  // namespace craftsync::test
