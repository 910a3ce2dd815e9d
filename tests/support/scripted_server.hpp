#pragma once
// A tiny misbehaving HTTP server for tests: every request on loopback gets the raw bytes that
// `respond` returns for its request line, then the connection closes. It can send what a real
// server never would: truncated bodies, garbage, wrong types.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace craftsync::test {

class ScriptedServer {
 public:
  using Responder = std::function<std::string(const std::string& request_line)>;
  explicit ScriptedServer(Responder respond);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

  /// A complete HTTP/1.1 response with a JSON content type.
  static std::string http(int status, const std::string& body);

 private:
  void serve();

  Responder respond_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace craftsync::test
