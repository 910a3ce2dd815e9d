#pragma once
// Routes by method and path pattern (a regex over the decoded path). Each route says which
// role its key needs, so that the key is checked before the body is read.
//
// Threading: routes are added before the server starts; match() is then called from any
// thread at once (it reads only).

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "server/http_message.hpp"

namespace craftsync::server {

using Handler = std::function<void(HttpRequest&, HttpResponse&)>;

struct Route {
  std::string name;  // the pattern as written: the route's label in metrics
  std::string method;
  std::regex pattern;
  std::optional<Role> need;  // nullopt: no key needed
  Handler handler;
  bool uses_storage = true;  // false: cheap and database-free, run on the network thread
};

class Router {
 public:
  void add(std::string method, const std::string& pattern, std::optional<Role> need, Handler h,
           bool uses_storage = true);

  struct Match {
    const Route* route = nullptr;  // null: no route for this method and path
    bool path_known = false;       // another method has a route for the path (405, not 404)
    std::string allow;             // those methods, for the 405's Allow header: "GET, PUT"
  };
  /// The first route that matches; its groups go into `req.captures`.
  Match match(HttpRequest& req) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace craftsync::server
