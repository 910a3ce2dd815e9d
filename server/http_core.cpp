#include "server/http_core.hpp"

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>  // before Asio 1.74's awaitable.hpp, which uses std::exchange unincluded
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/api_routes.hpp"

namespace craftsync::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

using Clock = std::chrono::steady_clock;

/// Counts a value up for as long as it lives.
class Counted {
 public:
  explicit Counted(std::atomic<std::size_t>& n) : n_(n) { ++n_; }
  ~Counted() { --n_; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;

 private:
  std::atomic<std::size_t>& n_;
};

/// The status to answer a request the parser refused with, or 0 to just close.
int status_for(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
      ec == http::error::partial_message)
    return 0;
  if (ec.category() == http::make_error_code(http::error::bad_method).category())
    return 400;  // any other parse error
  return 0;
}

HttpRequest to_request(const http::request<http::string_body>& r) {
  HttpRequest req;
  req.method = std::string(r.method_string());
  req.target = std::string(r.target());
  for (const auto& f : r)
    req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return req;
}

/// `head_only`: the answer to a HEAD request, which has the headers a GET would get and no
/// body (RFC 9110 9.3.2); sending one would be read as the start of the next answer. The body
/// moves over: a page of changes is megabytes.
http::response<http::string_body> to_beast(HttpResponse& res, unsigned version, bool keep_alive,
                                           bool head_only = false) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.set(http::field::server, "craftsync-server");
  out.set(http::field::content_type, res.content_type);
  for (const auto& [k, v] : res.headers) out.insert(k, v);
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head_only) out.body().clear();
  return out;
}

}  // namespace

struct HttpCore::Impl {
  // Declared so that the io_context (and the coroutine frames it may still hold) goes before
  // the counters and the TLS context those frames use.
  Api& api;
  HttpCoreConfig config;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  std::optional<asio::ssl::context> tls;
  asio::io_context ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor{ioc};

  Impl(Api& a, HttpCoreConfig c)
      : api(a),
        config(std::move(c)),
        workers(static_cast<std::size_t>(std::max(1, config.worker_threads))) {
    if (!config.tls_cert.empty()) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
      tls->use_certificate_chain_file(config.tls_cert);
      tls->use_private_key_file(config.tls_key, asio::ssl::context::pem);
    }
  }

  awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(ioc),
                                                          asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. too many open files: the next accept may work
      }
      if (stopping) co_return;
      auto exec = socket.get_executor();
      if (tls)
        asio::co_spawn(exec, serve_tls(std::move(socket)), asio::detached);
      else
        asio::co_spawn(exec, serve_plain(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> serve_plain(tcp::socket socket) {
    Counted open(connections);
    beast::tcp_stream stream(std::move(socket));
    if (connections > config.max_connections) {
      co_await refuse_full(stream);
      co_return;
    }
    co_await serve(stream);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  awaitable<void> serve_tls(tcp::socket socket) {
    Counted open(connections);
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    if (connections > config.max_connections) {
      // No handshake for a connection we cannot serve: it is closed at once.
      co_return;
    }
    beast::get_lowest_layer(stream).expires_after(config.header_timeout);
    beast::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await serve(stream);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }

  template <class Stream>
  awaitable<void> refuse_full(Stream& stream) {
    HttpResponse res;
    res.set_header("Retry-After", "1");
    api.http_error(res, 503);
    auto out = to_beast(res, 11, false);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    beast::error_code ec;
    co_await http::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
  }

  template <class Stream>
  awaitable<bool> answer(Stream& stream, HttpRequest& req, HttpResponse& res, unsigned version,
                         bool keep_alive, Clock::time_point started) {
    auto out = to_beast(res, version, keep_alive && !stopping, req.method == "HEAD");
    beast::get_lowest_layer(stream).expires_after(config.body_timeout);
    beast::error_code ec;
    co_await http::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
    api.finished(req, res, Clock::now() - started);
    co_return !ec && out.keep_alive();
  }

  /// Runs the route on a worker (or here, for routes that never touch the database).
  awaitable<void> run_route(const Route& route, HttpRequest& req, HttpResponse& res) {
    if (!route.uses_storage) {
      api.run(route, req, res);
      co_return;
    }
    co_await asio::co_spawn(
        workers,
        [&]() -> awaitable<void> {
          api.run(route, req, res);
          co_return;
        },
        use_awaitable);
  }

  /// Until the change log passes `hold.seen` or `hold.until` comes. The feed's wake may come
  /// from any thread: it is posted to this connection's strand, so it cannot run before the
  /// wait has begun, and it only cancels the timer.
  awaitable<void> wait_for_change(const Hold& hold) {
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    timer->expires_at(hold.until);
    auto ticket = api.feed().subscribe(
        hold.seen, [timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); });
    beast::error_code ec;
    co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
    api.metrics().hold_ended(ec == asio::error::operation_aborted);
  }

  /// Requests on one connection, in order, until it closes.
  template <class Stream>
  awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    auto& lowest = beast::get_lowest_layer(stream);
    for (;;) {
      beast::error_code ec;
      if (buffer.size() == 0) {
        // Idle between requests: a keep-alive connection may wait this long.
        lowest.expires_after(config.idle_timeout);
        std::size_t n = co_await stream.async_read_some(buffer.prepare(4096),
                                                        asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
        buffer.commit(n);
      }
      if (stopping) co_return;
      Counted busy(in_flight);
      auto started = Clock::now();
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
      parser.body_limit(api.config().max_body_bytes);
      lowest.expires_after(config.header_timeout);
      co_await http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(use_awaitable, ec));
      HttpRequest req;
      HttpResponse res;
      if (ec) {
        int status = status_for(ec);
        if (status == 0) co_return;
        req.method = "-";
        req.target = "-";
        api.http_error(res, status);
        co_await answer(stream, req, res, 11, false, started);
        co_return;
      }
      const auto& head = parser.get();
      req = to_request(head);
      unsigned version = head.version();
      bool keep_alive = head.keep_alive();

      const Route* route = nullptr;
      if (auto split = split_target(req.target)) {
        req.path = std::move(split->first);
        req.query = std::move(split->second);
        route = api.route_for(req, res);
        if (route && route->need) {
          // The key is checked on a worker (it reads the database), before any body byte.
          bool allowed = false;
          co_await asio::co_spawn(
              workers,
              [&]() -> awaitable<void> {
                allowed = api.authorize(*route, req, res);
                co_return;
              },
              use_awaitable);
          if (!allowed) route = nullptr;
        }
      } else {
        api.http_error(res, 400);
      }
      if (!route) {
        // The body, if any, is never read: the connection closes after the answer unless
        // there is none to skip.
        bool reusable = keep_alive && parser.is_done();
        if (!co_await answer(stream, req, res, version, reusable, started)) co_return;
        continue;
      }
      if (!parser.is_done()) {
        lowest.expires_after(config.body_timeout);
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
        if (ec) {
          int status = status_for(ec);
          if (status == 0) co_return;
          api.http_error(res, status);
          co_await answer(stream, req, res, version, false, started);
          co_return;
        }
      }
      req.body = std::move(parser.get().body());
      co_await run_route(*route, req, res);
      // A held pull waits here, on this connection's strand: no thread is held.
      while (res.hold) {
        Hold hold = *res.hold;
        req.held_until = stopping ? Clock::now() : hold.until;  // stopping: answer at once
        if (!stopping) co_await wait_for_change(hold);
        res = HttpResponse{};
        co_await run_route(*route, req, res);
      }
      if (!co_await answer(stream, req, res, version, keep_alive, started)) co_return;
    }
  }
};

HttpCore::HttpCore(Api& api, HttpCoreConfig config)
    : impl_(std::make_unique<Impl>(api, std::move(config))) {
  api.count_connections_with([impl = impl_.get()] { return impl->connections.load(); });
}

HttpCore::~HttpCore() = default;

int HttpCore::bind() {
  auto& i = *impl_;
  beast::error_code ec;
  auto address = asio::ip::make_address(i.config.host, ec);
  if (ec) throw std::runtime_error("cannot listen on " + i.config.host + ": not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(i.config.port));
  i.acceptor.open(endpoint.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(endpoint, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + i.config.host + ":" +
                             std::to_string(i.config.port) + ": " + ec.message());
  return i.acceptor.local_endpoint().port();
}

void HttpCore::run() {
  auto& i = *impl_;
  asio::co_spawn(i.ioc, i.accept_loop(), asio::detached);
  int n = i.config.io_threads > 0
              ? i.config.io_threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back([&i] { i.ioc.run(); });
  i.ioc.run();
  for (auto& t : threads) t.join();
  i.workers.join();
}

void HttpCore::stop(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  if (i.stopping.exchange(true)) return;
  i.api.feed().close();  // held pulls answer now
  asio::post(i.acceptor.get_executor(), [&i] {
    beast::error_code ec;
    i.acceptor.close(ec);
  });
  auto deadline = Clock::now() + grace;
  while (i.in_flight > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  i.ioc.stop();
}

std::size_t HttpCore::open_connections() const {
  return impl_->connections;
}

std::size_t HttpCore::requests_in_flight() const {
  return impl_->in_flight;
}

}  // namespace craftsync::server
