#pragma once
// Fetches a record's history from the server, page by page (core/record_history.hpp).
//
// Threading: the engine thread (it uses the engine's HttpClient).

#include <string>

#include "core/record_history.hpp"

namespace craftsync {

class HttpClient;

/// At most `max_revisions`, newest first (`truncated` when there are more). Throws RemoteError
/// (status 404 when the server has no history of the record) and Cancelled.
RecordHistory fetch_history(HttpClient& http, Entity e, const std::string& id,
                            int max_revisions = 1000);

}  // namespace craftsync
