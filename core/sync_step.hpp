#pragma once
// What each step of a sync run (recover, pull, push) works on: the engine's connection and
// record store, the server, and the run's cancel token.
//
// Threading: the engine thread; everything referred to outlives the step.

namespace craftsync {

class SqliteConn;
class RecordStore;
class HttpClient;
class CancelToken;

struct SyncStep {
  SqliteConn& db;
  RecordStore& store;
  HttpClient& http;
  const CancelToken& cancel;
};

}  // namespace craftsync
