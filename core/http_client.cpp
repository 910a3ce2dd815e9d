#include "core/http_client.hpp"

#include <curl/curl.h>

#include <chrono>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"

namespace craftsync {
namespace {

struct Transfer {
  std::string* body;
  std::string* date;
  const CancelToken* cancel;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->body->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.size() > 5 && (line.substr(0, 5) == "Date:" || line.substr(0, 5) == "date:")) {
    line.remove_prefix(5);
    while (!line.empty() && (line.front() == ' ')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    *t->date = std::string(line);
  }
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancel && t->cancel->is_cancelled() ? 1 : 0;
}

bool retryable_status(long status) {
  return status == 429 || status >= 500;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

std::string describe_error_answer(long status, const std::string& body, std::string* code) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  std::string c, m;
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    c = j["error"].value("code", "");
    m = j["error"].value("message", "");
  }
  if (code) *code = c;
  std::string out = "server answered " + std::to_string(status);
  if (!c.empty()) out += " " + c;
  if (!m.empty()) out += ": " + m;
  return out;
}

HttpClient::HttpClient(RemoteConfig config, std::string device_id)
    : config_(std::move(config)), device_id_(std::move(device_id)) {
  static CurlGlobal global;
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("cannot initialise libcurl");
  while (!config_.url.empty() && config_.url.back() == '/') config_.url.pop_back();
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

HttpResponse HttpClient::get(const std::string& path, bool auth) {
  return perform("GET", path, nullptr, auth);
}

void HttpClient::get_into(const std::string& path, std::string& body) {
  HttpResponse r = perform("GET", path, nullptr, true, &body);
  body.swap(r.body);
}

HttpResponse HttpClient::post_json(const std::string& path, const std::string& body) {
  return perform("POST", path, &body, true);
}

void HttpClient::wait_backoff(long ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (cancel_ && cancel_->is_cancelled()) throw Cancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(ms, 20)));
  }
}

HttpResponse HttpClient::perform(const std::string& method, const std::string& path,
                                 const std::string* body, bool auth, std::string* reuse) {
  if (config_.url.empty())
    throw RemoteError("no server configured (set --remote or REMOTE_API_URL)");
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string error;
  for (int attempt = 1;; ++attempt) {
    if (cancel_ && cancel_->is_cancelled()) throw Cancelled();
    long retry_after_ms = -1;
    error.clear();
    bool fatal = false;
    HttpResponse r = this->attempt(method, path, body, auth, error, retry_after_ms, fatal, reuse);
    if (cancel_ && cancel_->is_cancelled()) throw Cancelled();
    bool network_failure = !error.empty();
    if (!network_failure && r.status >= 200 && r.status < 300) return r;
    std::string reason = network_failure ? error : describe_error_answer(r.status, r.body);
    bool retry = network_failure ? !fatal : retryable_status(r.status);
    if (!retry || attempt >= config_.max_attempts) {
      if (network_failure)
        throw RemoteError("cannot reach " + config_.url + ": " + error +
                          (attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : ""));
      std::string code;
      std::string msg = describe_error_answer(r.status, r.body, &code);
      throw RemoteError(msg, r.status, code);
    }
    long cap =
        std::min(config_.backoff_cap_ms, config_.backoff_base_ms << std::min(attempt - 1, 16));
    long delay = std::uniform_int_distribution<long>(cap / 2, cap)(rng);  // jitter
    if (retry_after_ms >= 0) delay = std::min(std::max(delay, retry_after_ms), 60000L);
    if (on_retry_) on_retry_(attempt + 1, delay, reason);
    wait_backoff(delay);
  }
}

HttpResponse HttpClient::attempt(const std::string& method, const std::string& path,
                                 const std::string* body, bool auth, std::string& error,
                                 long& retry_after_ms, bool& fatal, std::string* reuse) {
  HttpResponse r;
  if (reuse) {  // take the caller's buffer and its capacity
    r.body.swap(*reuse);
    r.body.clear();
  } else {
    r.body.reserve(64 * 1024);
  }
  Transfer t{&r.body, &r.date_header, cancel_};
  curl_easy_reset(curl_);
  std::string url = config_.url + path;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
  if (config_.insecure) {
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!config_.ca_file.empty()) {
    curl_easy_setopt(curl_, CURLOPT_CAINFO, config_.ca_file.c_str());
  }
  curl_slist* headers = nullptr;
  std::string auth_header = "Authorization: Bearer " + config_.api_key;
  std::string device_header = std::string(kDeviceHeader) + ": " + device_id_;
  std::string proto_header = std::string(kProtocolHeader) + ": " + std::to_string(kProtocolVersion);
  if (auth) headers = curl_slist_append(headers, auth_header.c_str());
  headers = curl_slist_append(headers, device_header.c_str());
  headers = curl_slist_append(headers, proto_header.c_str());
  if (method == "POST") {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf);
  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl_);
  r.total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  curl_slist_free_all(headers);
  auth_header.assign(auth_header.size(), '\0');
  if (rc == CURLE_ABORTED_BY_CALLBACK) throw Cancelled();
  if (rc != CURLE_OK) {
    error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    fatal = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
            rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_URL_MALFORMAT ||
            rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_COULDNT_RESOLVE_HOST;
    return r;
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
  curl_off_t retry_after = -1;
  if (curl_easy_getinfo(curl_, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after >= 0)
    retry_after_ms = static_cast<long>(retry_after) * 1000;
  return r;
}

}  // namespace craftsync
