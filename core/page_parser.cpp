#include "core/page_parser.hpp"

#include <simdjson.h>

#include "core/protocol.hpp"
#include "core/uuid.hpp"

namespace craftsync {
namespace {

[[noreturn]] void bad(const std::string& why) {
  throw ProtocolError("bad_response", "server sent an invalid changes page: " + why);
}

int field_index(Entity e, std::string_view key) {
  int i = 0;
  for (const FieldSpec& f : fields_of(e)) {
    if (f.name == key) return i;
    ++i;
  }
  return -1;
}

}  // namespace

struct PageParser::Impl {
  simdjson::ondemand::parser parser;
  // Data members seen before the entity is known, resolved after the change object ends.
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> pending;
};

PageParser::PageParser() : impl_(std::make_unique<Impl>()) {}
PageParser::~PageParser() = default;

nlohmann::json PulledChange::to_row() const {
  nlohmann::json row = nlohmann::json::object();
  row["id"] = std::string(id);
  std::size_t i = 0;
  for (const FieldSpec& f : fields_of(entity)) {
    row[std::string(f.name)] =
        values[i] ? nlohmann::json(std::string(*values[i])) : nlohmann::json(nullptr);
    ++i;
  }
  return row;
}

const PulledPage& PageParser::parse(std::string& body) {
  using namespace simdjson;
  page_.changes.clear();  // keeps its capacity from page to page
  page_.next.clear();
  page_.has_more = false;
  page_.head = 0;
  page_.has_head = false;
  page_.epoch = 0;
  std::size_t size = body.size();
  if (body.capacity() < size + SIMDJSON_PADDING) body.reserve(size + SIMDJSON_PADDING);
  bool saw_changes = false, saw_next = false, saw_more = false;
  try {
    ondemand::document doc =
        impl_->parser.iterate(padded_string_view(body.data(), size, body.capacity()));
    ondemand::object top = doc.get_object();
    for (auto member : top) {
      std::string_view key = member.unescaped_key();
      ondemand::value v = member.value();
      if (key == "changes") {
        saw_changes = true;
        for (ondemand::value item : v.get_array()) {
          PulledChange c;
          bool has_entity = false, has_id = false, has_rev = false, has_deleted = false,
               has_data = false;
          impl_->pending.clear();
          for (auto f : item.get_object()) {
            std::string_view k = f.unescaped_key();
            ondemand::value fv = f.value();
            if (k == "entity") {
              std::string_view name = fv.get_string();
              auto e = parse_entity(name);
              if (!e) bad("unknown entity '" + std::string(name) + "'");
              c.entity = *e;
              has_entity = true;
            } else if (k == "id") {
              c.id = fv.get_string();
              has_id = true;
            } else if (k == "rev") {
              c.rev = fv.get_int64();
              has_rev = true;
            } else if (k == "deleted") {
              c.deleted = fv.get_bool();
              has_deleted = true;
            } else if (k == "data") {
              has_data = true;
              if (fv.is_null()) continue;
              for (auto d : fv.get_object()) {
                std::string_view dk = d.unescaped_key();
                ondemand::value dv = d.value();
                if (dv.is_null())
                  impl_->pending.emplace_back(dk, std::nullopt);
                else if (dv.type() == ondemand::json_type::string)
                  impl_->pending.emplace_back(dk, std::string_view(dv.get_string()));
                else
                  bad("field '" + std::string(dk) + "' is not a string or null");
              }
            }
          }
          if (!has_entity || !has_id || !has_rev || !has_deleted)
            bad("a change lacks entity, id, rev or deleted");
          if (!is_valid_uuid(c.id))
            bad("change id '" + std::string(c.id.substr(0, 40)) + "' is not a UUID");
          if (c.rev <= 0) bad("rev must be positive");
          if (!c.deleted && !has_data) bad("change " + std::string(c.id) + " has no data");
          for (const auto& [k, val] : impl_->pending) {
            int idx = field_index(c.entity, k);
            if (idx >= 0)
              c.values[static_cast<std::size_t>(idx)] = val;  // unknown fields are ignored
          }
          if (!page_.changes.empty() && c.rev <= page_.changes.back().rev)
            bad("revs are not increasing");
          page_.changes.push_back(c);
        }
      } else if (key == "next") {
        saw_next = true;
        if (v.type() == ondemand::json_type::string)
          page_.next = std::string(std::string_view(v.get_string()));
        else
          page_.next = std::to_string(int64_t(v.get_int64()));
        parse_cursor(page_.next);
      } else if (key == "has_more") {
        saw_more = true;
        page_.has_more = v.get_bool();
      } else if (key == "head") {
        page_.head = v.get_int64();
        page_.has_head = true;
        if (page_.head < 0) bad("'head' is negative");
      } else if (key == "epoch") {
        page_.epoch = v.get_int64();
        if (page_.epoch < 0) bad("'epoch' is negative");
      }
    }
  } catch (const simdjson_error& e) {
    bad(std::string(error_message(e.error())));
  } catch (const ProtocolError& e) {
    if (e.code() == "bad_response") throw;
    bad(e.what());
  }
  if (!saw_changes || !saw_next || !saw_more) bad("missing 'changes', 'next' or 'has_more'");
  return page_;
}

}  // namespace craftsync
