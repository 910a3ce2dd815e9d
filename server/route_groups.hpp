#pragma once
// The two groups of routes that install_api_routes puts behind its checks:
// - sync routes: health, session, changes and push (server/sync_routes.cpp);
// - entity routes: list, get (any role); create, update, delete (admin)
//   (server/entity_routes.cpp).
//
// Threading: installed once before the server listens; handlers run on httplib's pool and
// share only the thread-safe Storage.

namespace craftsync::server {

class Storage;
class Router;

void install_sync_routes(Router& svr, Storage& storage);
void install_entity_routes(Router& svr, Storage& storage);

}  // namespace craftsync::server
