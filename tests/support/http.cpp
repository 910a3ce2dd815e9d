#include "tests/support/http.hpp"

namespace craftsync::test {
namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

std::string HttpAnswer::error_code() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error")) return "";
  return j["error"].value("code", "");
}

HttpClient::HttpClient(std::string base_url, std::string key)
    : base_(std::move(base_url)), key_(std::move(key)), curl_(curl_easy_init()) {}

HttpClient::~HttpClient() {
  curl_easy_cleanup(curl_);
}

HttpAnswer HttpClient::request(const std::string& method, const std::string& path,
                               const std::string& body, const std::vector<std::string>& headers) {
  HttpAnswer a;
  curl_easy_reset(curl_);
  std::string url = base_ + path;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  if (!ca_file_.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file_.c_str());
  if (method == "GET") curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Content-Type: application/json");
  std::string auth = "Authorization: Bearer " + key_;
  if (!key_.empty()) list = curl_slist_append(list, auth.c_str());
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, err);
  CURLcode rc = curl_easy_perform(curl_);
  if (rc == CURLE_OK)
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &a.status);
  else
    a.error = err[0] ? err : curl_easy_strerror(rc);
  curl_slist_free_all(list);
  return a;
}

}  // namespace craftsync::test
