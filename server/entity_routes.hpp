#pragma once
// The entity REST routes: list, get (any role); create, update, delete (admin).

namespace httplib {
class Server;
}

namespace craftsync::server {
class Storage;
void install_entity_routes(httplib::Server& svr, Storage& storage);
}  // namespace craftsync::server
