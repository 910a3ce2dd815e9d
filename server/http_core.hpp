#pragma once
// The server's HTTP core: Boost.Beast over Asio, with C++20 coroutines. A few network threads
// (one per core by default) carry every connection; route handlers, which touch the database,
// run on a separate pool of worker threads, so a slow query never stalls the network loop.
//
// Per connection, in order: wait for a request (idle deadline), read its headers (header
// deadline, header size limit), admit it (route, protocol version and key, before any body
// byte is read), read the body (body deadline, --max-body enforced as bytes arrive, chunked
// included), run the handler on a worker, write the answer. Anything the parser refuses is
// answered with a JSON error and the connection is closed. Beyond the connection cap, a new
// connection gets one 503 and is closed.
//
// Threading: run() blocks on the calling thread until stop(), which may be called from any
// thread (a signal thread). Everything else is internal.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace craftsync::server {

class Api;

struct HttpCoreConfig {
  std::string host = "127.0.0.1";
  int port = 8080;          // 0: any free port
  int io_threads = 0;       // network threads; 0: one per core
  int worker_threads = 16;  // where handlers run (the size of the database pool)
  std::size_t max_connections = 10000;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};   // between requests
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  // from the first byte
  std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};    // the body, and the answer
  std::string tls_cert, tls_key;                                       // both set: HTTPS only
};

class HttpCore {
 public:
  HttpCore(Api& api, HttpCoreConfig config);
  ~HttpCore();
  HttpCore(const HttpCore&) = delete;
  HttpCore& operator=(const HttpCore&) = delete;

  /// Binds and listens (throws a one-line error when it cannot). Returns the port bound.
  int bind();
  /// Serves until stop() has drained the requests in flight.
  void run();
  /// Stops accepting, lets requests in flight finish (at most `grace`), then returns run().
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

  std::size_t open_connections() const;
  std::size_t requests_in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace craftsync::server
