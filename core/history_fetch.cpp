#include "core/history_fetch.hpp"

#include <algorithm>

#include "core/http_client.hpp"
#include "core/uuid.hpp"

namespace craftsync {

using nlohmann::json;

namespace {

constexpr int kPage = 200;

RevisionView revision_from(const json& j) {
  auto bad = [](const char* what) {
    return RemoteError(std::string("the server's history holds a revision without ") + what);
  };
  if (!j.is_object())
    throw RemoteError("the server's history holds a revision that is not an object");
  RevisionView r;
  auto rev = j.find("rev");
  if (rev == j.end() || !rev->is_number_integer()) throw bad("an integer rev");
  r.rev = rev->get<std::int64_t>();
  for (auto [key, out] : {std::pair{"at", &r.at}, std::pair{"by", &r.by}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) throw bad(key);
    *out = it->get<std::string>();
  }
  auto deleted = j.find("deleted");
  if (deleted == j.end() || !deleted->is_boolean()) throw bad("deleted");
  r.deleted = deleted->get<bool>();
  auto data = j.find("data");
  if (data == j.end() || !(data->is_object() || data->is_null())) throw bad("data");
  r.data = *data;
  return r;
}

}  // namespace

RecordHistory fetch_history(HttpClient& http, Entity e, const std::string& id, int max_revisions) {
  if (!is_valid_uuid(id)) throw RemoteError("record id must be a UUID", 400, "invalid_id");
  RecordHistory h;
  h.entity = e;
  h.id = id;
  std::string before;
  for (;;) {
    int want = std::min(kPage, max_revisions - static_cast<int>(h.revisions.size()));
    std::string path = "/api/v1/" + std::string(entity_name(e)) + "/" + id +
                       "/history?limit=" + std::to_string(want) + before;
    HttpResponse res = http.get(path);
    json page = json::parse(res.body, nullptr, false);
    if (!page.is_object() || !page.contains("revisions") || !page["revisions"].is_array())
      throw RemoteError("the server's answer to a history request is not a history");
    for (const json& r : page["revisions"]) h.revisions.push_back(revision_from(r));
    const json& next = page.value("next_before", json(nullptr));
    if (!next.is_number_integer()) break;
    if (static_cast<int>(h.revisions.size()) >= max_revisions) {
      h.truncated = true;
      break;
    }
    before = "&before=" + std::to_string(next.get<std::int64_t>());
  }
  return h;
}

}  // namespace craftsync
