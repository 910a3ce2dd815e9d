#include "server/change_feed.hpp"
#include "server/route_groups.hpp"
#include "server/router.hpp"

#include <charconv>

#include "core/clock.hpp"
#include "core/protocol.hpp"
#include "core/push_request_reader.hpp"
#include "server/http_util.hpp"
#include "server/metrics.hpp"
#include "server/mutation_apply.hpp"

namespace craftsync::server {
namespace {

using nlohmann::json;

std::vector<Entity> parse_entities(const HttpRequest& req) {
  std::vector<Entity> out;
  if (!req.has_param("entities")) return out;
  const std::string param = req.param("entities");
  std::string_view list = param;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    auto e = parse_entity(name);
    if (!e) throw ProtocolError("unknown_entity", "unknown entity '" + std::string(name) + "'");
    out.push_back(*e);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (out.empty()) throw ProtocolError("unknown_entity", "entities must name at least one entity");
  return out;
}

/// The page body, written directly: the rows are already JSON text from the database.
std::string render_page(const ChangeSlice& slice, std::int64_t after) {
  std::string body;
  body.reserve(slice.text.size() + slice.entries.size() * 80 + 128);
  body += "{\"changes\":[";
  char digits[24];
  for (const ChangeEntry& e : slice.entries) {
    if (&e != &slice.entries.front()) body.push_back(',');
    body += "{\"entity\":\"";
    body += entity_name(e.entity);
    body += "\",\"id\":";
    append_json_string(body, slice.id(e));
    body += ",\"rev\":";
    body.append(digits, std::to_chars(digits, digits + sizeof digits, e.rev).ptr);
    body += e.deleted ? ",\"deleted\":true,\"data\":" : ",\"deleted\":false,\"data\":";
    body += slice.data_json(e);
    body.push_back('}');
  }
  std::int64_t next = slice.entries.empty() ? after : slice.entries.back().rev;
  body += "],\"next\":\"" + std::to_string(next) + "\",\"has_more\":";
  body += slice.has_more ? "true" : "false";
  body += ",\"head\":" + std::to_string(slice.head);
  body += ",\"epoch\":" + std::to_string(slice.epoch) + "}";
  return body;
}

}  // namespace

void install_sync_routes(Router& svr, Storage& storage, Metrics& metrics, ChangeFeed& feed) {
  svr.add(
      "GET", "/api/v1/health", std::nullopt,
      [](HttpRequest&, HttpResponse& res) {
        send_json(res, 200,
                  {{"status", "ok"},
                   {"version", CRAFTSYNC_VERSION},
                   {"protocol", kProtocolVersion},
                   {"held_pulls", true}});
      },
      /*uses_storage=*/false);

  svr.add("GET", "/api/v1/session", Role::read, [&storage](HttpRequest& req, HttpResponse& res) {
    auto role = req.role;
    send_json(res, 200,
              {{"server_version", CRAFTSYNC_VERSION},
               {"protocol", kProtocolVersion},
               {"server_time", utc_now_iso()},
               {"role", role_name(*role)},
               {"backend", storage.backend_name()},
               {"head", storage.head_rev()}});
  });

  svr.add("GET", "/api/v1/changes", Role::read,
          [&storage, &metrics](HttpRequest& req, HttpResponse& res) {
            std::int64_t after = parse_cursor(req.has_param("after") ? req.param("after") : "0");
            int limit = limit_param(req, kDefaultPageLimit);
            int wait = wait_param(req);
            auto entities = parse_entities(req);
            ChangeSlice slice = storage.changes(after, limit, entities);
            metrics.pulled_from(req.header(kDeviceHeader), after);
            // Nothing after the cursor yet: hold until the log passes the head just read (a
            // change to an entity not asked for wakes it too; it then holds again).
            auto now = std::chrono::steady_clock::now();
            auto until = req.held_until.value_or(now + std::chrono::seconds(wait));
            if (slice.entries.empty() && now < until) {
              res.hold = Hold{slice.head, until};
              return;
            }
            send_raw_json(res, 200, render_page(slice, after));
          });

  svr.add("POST", "/api/v1/push", Role::sync,
          [&storage, &metrics, &feed](HttpRequest& req, HttpResponse& res) {
            // The bodies clients send take the fast reader; anything it does not take is
            // parsed again the slow way, which says what is wrong with it.
            thread_local PushRequestReader reader;
            std::optional<PushRequest> fast = reader.read(req.body);
            if (!fast) {
              auto body = parse_body(req, res);
              if (!body) return;
              fast = parse_push_request(std::move(*body));
            }
            PushRequest& push = *fast;
            PushResponse outcome = apply_push(storage, push);
            // The answer is written as text: {"results":[...],"device_max_seq":N}.
            std::string answer = "{\"results\":[";
            std::int64_t newest = 0;
            for (const auto& r : outcome.results) {
              metrics.verdict(r.status);
              if (r.status == Verdict::applied && r.rev) newest = std::max(newest, *r.rev);
              if (answer.back() != '[') answer += ',';
              answer += to_json_text(r);
            }
            answer += ']';
            if (newest > 0)
              if (auto head = storage.head_after_write(newest)) feed.advanced(head);
            if (outcome.device_max_seq > 0)
              answer += ",\"device_max_seq\":" + std::to_string(outcome.device_max_seq);
            send_raw_json(res, 200, answer + "}");
          });
}

}  // namespace craftsync::server
