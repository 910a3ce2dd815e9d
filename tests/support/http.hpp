#pragma once
// A minimal libcurl client for protocol tests: one request, one answer. Each HttpClient owns
// its curl handle and is not shared between threads.

#include <string>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

namespace craftsync::test {

struct HttpAnswer {
  long status = 0;  // 0 when the request did not complete
  std::string body;
  std::string error;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  /// The "error.code" of a JSON error body, or "" when there is none.
  std::string error_code() const;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url, std::string key = "");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_key(std::string key) { key_ = std::move(key); }
  /// Trust the CA certificates in this PEM file (instead of the system's) for HTTPS.
  void set_ca_file(std::string path) { ca_file_ = std::move(path); }
  HttpAnswer request(const std::string& method, const std::string& path,
                     const std::string& body = "", const std::vector<std::string>& headers = {});
  HttpAnswer get(const std::string& path) { return request("GET", path); }
  HttpAnswer post(const std::string& path, const nlohmann::json& body) {
    return request("POST", path, body.dump());
  }

 private:
  std::string base_, key_, ca_file_;
  CURL* curl_;
};

}  // namespace craftsync::test
