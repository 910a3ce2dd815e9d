#include "tests/support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace craftsync::test {

struct FaultProxy::Fate {
  bool refuse = false;
  int delay_ms = 0;
  std::int64_t cut_request_after = -1;   // bytes from the client, then close (-1: never)
  std::int64_t cut_response_after = -1;  // bytes from the server, then close (-1: never)
};

namespace {

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

FaultProxy::FaultProxy(int target_port, std::uint64_t seed)
    : target_port_(target_port), rng_state_(seed * 0x9E3779B97F4A7C15ull + 1) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("fault proxy: no socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0)
    throw std::runtime_error("fault proxy: cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  for (auto& t : relays_) t.join();
}

void FaultProxy::set_rates(const FaultRates& r) {
  std::lock_guard lock(mu_);
  rates_ = r;
}

FaultCounts FaultProxy::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

FaultProxy::Fate FaultProxy::draw() {
  std::lock_guard lock(mu_);
  auto next = [this] {  // splitmix64: small, seeded, the same on every machine
    std::uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  auto chance = [&](double p) { return static_cast<double>(next() % 1000000) < p * 1e6; };
  Fate f;
  ++counts_.connections;
  if (chance(rates_.refuse)) {
    f.refuse = true;
    ++counts_.refused;
    return f;
  }
  if (chance(rates_.delay)) {
    f.delay_ms = 1 + static_cast<int>(next() % 60);
    ++counts_.delayed;
  }
  if (chance(rates_.cut_request)) {
    f.cut_request_after = static_cast<std::int64_t>(next() % 2048);
    ++counts_.cut_requests;
  } else if (chance(rates_.cut_response)) {
    f.cut_response_after = static_cast<std::int64_t>(next() % 4096);
    ++counts_.cut_responses;
  }
  return f;
}

void FaultProxy::accept_loop() {
  while (!stopping_) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    Fate fate = draw();
    std::lock_guard lock(mu_);
    relays_.emplace_back([this, client, fate] { relay(client, fate); });
  }
}

void FaultProxy::relay(int client, Fate fate) {
  if (fate.refuse) {
    ::close(client);
    return;
  }
  if (fate.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fate.delay_ms));
  int server = connect_loopback(target_port_);
  if (server < 0) {
    ::close(client);
    return;
  }
  std::int64_t from_client = 0, from_server = 0;
  char buf[16384];
  bool open = true;
  while (open && !stopping_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    int n = ::poll(fds, 2, 200);
    if (n < 0) break;
    for (int i = 0; i < 2 && open; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int from = i == 0 ? client : server, to = i == 0 ? server : client;
      ssize_t r = ::recv(from, buf, sizeof buf, 0);
      if (r <= 0) {
        open = false;
        break;
      }
      std::int64_t& seen = i == 0 ? from_client : from_server;
      std::int64_t cut = i == 0 ? fate.cut_request_after : fate.cut_response_after;
      std::size_t n_send = static_cast<std::size_t>(r);
      if (cut >= 0 && seen + r > cut) {
        n_send = static_cast<std::size_t>(std::max<std::int64_t>(0, cut - seen));
        open = false;  // relay up to the cut, then drop both sides
      }
      if (n_send > 0 && !send_all(to, buf, n_send)) open = false;
      seen += r;
    }
  }
  ::close(server);
  ::close(client);
}

}  // namespace craftsync::test
