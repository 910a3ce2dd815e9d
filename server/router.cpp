#include "server/router.hpp"

namespace craftsync::server {

void Router::add(std::string method, const std::string& pattern, std::optional<Role> need,
                 Handler h, bool uses_storage) {
  routes_.push_back(
      {pattern, std::move(method), std::regex(pattern), need, std::move(h), uses_storage});
}

Router::Match Router::match(HttpRequest& req) const {
  Match m;
  std::smatch groups;
  for (const Route& r : routes_) {
    if (!std::regex_match(req.path, groups, r.pattern)) continue;
    if (r.method != req.method) {
      m.path_known = true;
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += r.method;
      continue;
    }
    req.captures.clear();
    for (std::size_t i = 1; i < groups.size(); ++i) req.captures.push_back(groups[i].str());
    m.route = &r;
    return m;
  }
  return m;
}

}  // namespace craftsync::server
