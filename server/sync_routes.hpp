#pragma once
// health, session, changes and push.

namespace httplib {
class Server;
}

namespace craftsync::server {
class Storage;
void install_sync_routes(httplib::Server& svr, Storage& storage);
}  // namespace craftsync::server
