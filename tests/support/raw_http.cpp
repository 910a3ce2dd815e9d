#include "tests/support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace craftsync::test {

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool RawConnection::fill(std::chrono::steady_clock::time_point deadline) {
  if (closed_) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  in_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<RawAnswer> RawConnection::read_answer(std::chrono::milliseconds wait,
                                                    bool head_only) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto end = in_.find("\r\n\r\n");
    if (end != std::string::npos) {
      RawAnswer a;
      a.head = in_.substr(0, end);
      std::size_t length = 0;
      std::string lower;
      for (char c : a.head) lower.push_back(static_cast<char>(std::tolower(c)));
      if (auto cl = lower.find("content-length:"); cl != std::string::npos && !head_only)
        length = std::stoul(a.head.substr(cl + 15));
      if (in_.size() >= end + 4 + length) {
        a.status = std::stoi(a.head.substr(9, 3));
        a.body = in_.substr(end + 4, length);
        in_.erase(0, end + 4 + length);
        return a;
      }
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

bool RawConnection::wait_closed(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (!closed_)
    if (!fill(deadline) && !closed_) return false;
  return true;
}

}  // namespace craftsync::test
