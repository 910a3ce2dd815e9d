#pragma once
// Sync protocol v1: wire types and their JSON codecs, shared by client and server.
// Values only; safe to use from any thread. Parsers throw ProtocolError on bad input.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/entity.hpp"
#include "core/record_validation.hpp"

namespace craftsync {

inline constexpr int kProtocolVersion = 1;
/// Header carrying the client's protocol version; absent means 1.
inline constexpr const char* kProtocolHeader = "X-CraftSync-Protocol";
/// Header carrying the client's device id, for the server's request log.
inline constexpr const char* kDeviceHeader = "X-CraftSync-Device";
inline constexpr int kDefaultPageLimit = 1000;
inline constexpr int kMaxPageLimit = 5000;
/// `GET /changes?wait=S` holds an empty answer at most this long (larger values are capped).
inline constexpr int kMaxWaitSeconds = 60;
inline constexpr std::size_t kMaxMutationsPerPush = 5000;
inline constexpr std::size_t kMaxDeviceIdLength = 128;

/// A request or response that does not follow the protocol. `code` is the wire error code.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

enum class Op { upsert, remove };

struct Mutation {
  std::int64_t seq = 0;
  Entity entity = Entity::customers;
  std::string id;
  Op op = Op::upsert;
  std::optional<std::int64_t> base_rev;  // null: the client believes the record is new
  nlohmann::json data = nlohmann::json::object();
};

struct PushRequest {
  std::string device_id;
  std::vector<Mutation> mutations;
};

/// device_forked: this (device_id, seq) was recorded for a different mutation, so the client's
/// database is a restored or copied one; nothing was applied or recorded (docs/protocol.md).
enum class Verdict { applied, conflict, rejected, retry, device_forked };
std::string_view verdict_name(Verdict v);

struct MutationResult {
  std::int64_t seq = 0;
  Verdict status = Verdict::retry;
  std::optional<std::int64_t> rev;                     // applied: new rev; conflict: current
  nlohmann::json assigned = nlohmann::json::object();  // fields the server set
  nlohmann::json server = nullptr;  // conflict, refused delete: current row, null if gone
  bool server_deleted = false;      // conflict: the row is a tombstone
  std::vector<FieldError> errors;   // rejected
  std::string message;              // retry/rejected: a human reason
};

struct PushResponse {
  std::vector<MutationResult> results;
  /// The highest seq the server has recorded for the device, this batch included (0: unknown).
  std::int64_t device_max_seq = 0;
};

struct Change {
  Entity entity = Entity::customers;
  std::string id;
  std::int64_t rev = 0;
  bool deleted = false;
  nlohmann::json data;  // null for tombstones
};

struct ChangePage {
  std::vector<Change> changes;
  std::string next;
  bool has_more = false;
  std::int64_t head = 0;  // newest rev on the server when the page was read
};

struct SessionInfo {
  std::string server_version;
  int protocol = 0;
  std::string server_time;
  std::string role;
};

// --- codecs ---
nlohmann::json to_json(const Mutation& m);
/// Takes `j`'s data object over (moves it) rather than copying it.
Mutation parse_mutation(nlohmann::json& j);
nlohmann::json to_json(const PushRequest& r);
/// By value: a caller done with the body moves it in, and no mutation's data is copied.
PushRequest parse_push_request(nlohmann::json j);

nlohmann::json to_json(const MutationResult& r);
/// to_json(r).dump(), without building the object for the common verdict (applied, nothing
/// assigned, no message): a push answers hundreds of those per request.
std::string to_json_text(const MutationResult& r);
MutationResult parse_mutation_result(const nlohmann::json& j);
PushResponse parse_push_response(const nlohmann::json& j);

nlohmann::json to_json(const Change& c);
Change parse_change(const nlohmann::json& j);
ChangePage parse_change_page(const nlohmann::json& j);

SessionInfo parse_session(const nlohmann::json& j);

/// `{"error":{"code":...,"message":...}}`
nlohmann::json error_body(std::string_view code, std::string_view message);

/// Parses a cursor ("0", "1234"). Throws ProtocolError("invalid_cursor").
std::int64_t parse_cursor(std::string_view text);

}  // namespace craftsync
