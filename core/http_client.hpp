#pragma once
// The engine's HTTP client: libcurl on one reused easy handle (so its connection is reused),
// timeouts, cancellation from another thread, and retry with exponential backoff and jitter on
// connection errors, 5xx and 429 (honouring Retry-After). TLS is verified unless `insecure`.
//
// Threading: one thread at a time. The pull pipeline hands the client to a fetch thread and
// waits for it before using the client again.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "core/cancel.hpp"

typedef void CURL;

namespace craftsync {

struct RemoteConfig {
  std::string url;      // e.g. http://127.0.0.1:8080
  std::string api_key;  // never logged, never stored in SQLite
  std::string ca_file;  // extra CA bundle for TLS
  bool insecure = false;
  long connect_timeout_ms = 5000;
  long timeout_ms = 60000;
  int max_attempts = 4;  // per request, including the first
  long backoff_base_ms = 250;
  long backoff_cap_ms = 10000;
};

struct HttpResponse {
  long status = 0;
  std::string body;  // with SIMDJSON padding capacity reserved
  double total_ms = 0;
  std::string date_header;
};

/// The server could not be reached or answered with an error. `status` is 0 when no HTTP
/// answer arrived. `code` is the server's error code when it sent one.
class RemoteError : public std::runtime_error {
 public:
  RemoteError(std::string message, long status = 0, std::string code = "")
      : std::runtime_error(std::move(message)), status_(status), code_(std::move(code)) {}
  long status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  long status_;
  std::string code_;
};

class HttpClient {
 public:
  HttpClient(RemoteConfig config, std::string device_id);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const RemoteConfig& config() const { return config_; }
  void set_cancel(const CancelToken* token) { cancel_ = token; }
  /// Called before each retry: attempt number (2, 3...), delay in ms, and the reason.
  void set_retry_observer(std::function<void(int, long, const std::string&)> f) {
    on_retry_ = std::move(f);
  }

  /// GET with retries; throws RemoteError for non-2xx answers (after retries) and Cancelled.
  HttpResponse get(const std::string& path, bool auth = true);
  /// GET into `body`, reusing its capacity (the pull alternates two buffers).
  void get_into(const std::string& path, std::string& body);
  /// POST a JSON body with retries (safe: pushes are idempotent per device and seq).
  HttpResponse post_json(const std::string& path, const std::string& body);

 private:
  HttpResponse perform(const std::string& method, const std::string& path, const std::string* body,
                       bool auth, std::string* reuse = nullptr);
  HttpResponse attempt(const std::string& method, const std::string& path, const std::string* body,
                       bool auth, std::string& error, long& retry_after_ms, bool& fatal,
                       std::string* reuse);
  void wait_backoff(long ms);

  RemoteConfig config_;
  std::string device_id_;
  CURL* curl_ = nullptr;
  const CancelToken* cancel_ = nullptr;
  std::function<void(int, long, const std::string&)> on_retry_;
};

/// A one-line description of an error answer: "401 unauthorized: missing or invalid API key".
std::string describe_error_answer(long status, const std::string& body,
                                  std::string* code = nullptr);

/// Points a client at a cancel token for a scope, and away from it when the scope ends.
class ScopedCancel {
 public:
  ScopedCancel(HttpClient& client, const CancelToken& token) : client_(client) {
    client_.set_cancel(&token);
  }
  ~ScopedCancel() { client_.set_cancel(nullptr); }
  ScopedCancel(const ScopedCancel&) = delete;
  ScopedCancel& operator=(const ScopedCancel&) = delete;

 private:
  HttpClient& client_;
};

}  // namespace craftsync
