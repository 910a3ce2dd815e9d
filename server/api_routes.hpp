#pragma once
// The HTTP surface of protocol v1 (see docs/protocol.md). Handlers run on httplib's thread
// pool; they share only the thread-safe Storage.

#include <cstddef>
#include <string>

namespace httplib {
class Server;
}

namespace craftsync::server {

class Storage;

struct ApiConfig {
  std::size_t max_body_bytes = 8u << 20;
  bool log_requests = true;
};

void install_api_routes(httplib::Server& server, Storage& storage, const ApiConfig& config);

}  // namespace craftsync::server
