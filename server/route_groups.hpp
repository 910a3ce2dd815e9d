#pragma once
// The two groups of routes that install_api_routes puts behind its checks:
// - sync routes: health, session, changes and push (server/sync_routes.cpp), which also
//   count verdicts and devices' cursors for the metrics;
// - entity routes: list, get (any role); create, update, delete (admin)
//   (server/entity_routes.cpp);
// - checksum routes: bucket and record digests for verify (server/checksum_routes.cpp);
// - history routes: every revision of a record (server/history_routes.cpp).
//
// Threading: installed once before the server listens; handlers run on the HTTP core's worker
// pool and share only the thread-safe Storage.

namespace craftsync::server {

class Storage;
class Router;
class Metrics;
class ChangeFeed;

/// Write routes tell `feed` the rev they committed, so that held pulls wake at once.
void install_sync_routes(Router& svr, Storage& storage, Metrics& metrics, ChangeFeed& feed);
void install_entity_routes(Router& svr, Storage& storage, ChangeFeed& feed);
/// GET /api/v1/checksums (any role), for `craftsync verify` (server/checksum_routes.cpp).
void install_checksum_routes(Router& svr, Storage& storage);
/// GET /api/v1/<entity>/<id>/history (any role) (server/history_routes.cpp).
void install_history_routes(Router& svr, Storage& storage);

}  // namespace craftsync::server
