#pragma once
// A loopback TCP proxy that stands between clients and a real server and misbehaves the way
// networks do: it delays connections, refuses them, and cuts them in the middle of a request
// or a response body. Each accepted connection draws its fate from a seeded generator.
//
// Threading: the proxy runs its own threads (one accept loop, one per connection); its public
// methods may be called from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace craftsync::test {

struct FaultRates {
  double refuse = 0;        // close the client's connection at once
  double delay = 0;         // hold the connection 1-60 ms before relaying
  double cut_request = 0;   // close after relaying part of the client's bytes
  double cut_response = 0;  // close after relaying part of the server's answer
};

struct FaultCounts {
  std::int64_t connections = 0, refused = 0, delayed = 0, cut_requests = 0, cut_responses = 0;
};

class FaultProxy {
 public:
  /// Listens on 127.0.0.1 (a free port) and relays to target_port on 127.0.0.1.
  FaultProxy(int target_port, std::uint64_t seed);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// New connections use these rates (zero rates: a plain relay).
  void set_rates(const FaultRates& r);
  FaultCounts counts() const;

 private:
  struct Fate;
  void accept_loop();
  void relay(int client, Fate fate);
  Fate draw();

  int target_port_ = 0, port_ = 0, listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  FaultRates rates_;
  FaultCounts counts_;
  std::uint64_t rng_state_;
  std::thread acceptor_;
  std::vector<std::thread> relays_;
};

}  // namespace craftsync::test
