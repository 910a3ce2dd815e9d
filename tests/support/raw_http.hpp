#pragma once
// A raw HTTP/1.1 connection for tests of the server's HTTP core: the bytes are written by
// hand (slow, broken, hostile or pipelined) and answers are read back as they arrive.
//
// Threading: one connection belongs to one thread.

#include <chrono>
#include <optional>
#include <string>

namespace craftsync::test {

struct RawAnswer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Writes all of `bytes`; false when the server has closed the connection.
  bool send(const std::string& bytes);
  /// Reads one answer (Content-Length framed), waiting at most `wait`; nullopt when the
  /// connection closed or nothing complete arrived in time.
  /// `head_only`: the answer to a HEAD request, which has no body whatever Content-Length says.
  std::optional<RawAnswer> read_answer(std::chrono::milliseconds wait = std::chrono::seconds(10),
                                       bool head_only = false);
  /// Waits at most `wait` for the server to close the connection; true when it did.
  bool wait_closed(std::chrono::milliseconds wait);

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string in_;
  bool closed_ = false;
};

}  // namespace craftsync::test
