#include "core/push_request_reader.hpp"

#include <simdjson.h>

#include <unordered_set>

#include "core/record_validation.hpp"
#include "core/uuid.hpp"

namespace craftsync {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

/// Keys already seen in one object: a duplicate sends the body down the slow path.
class SeenKeys {
 public:
  bool first(std::string_view key) {
    for (std::string_view k : keys_)
      if (k == key) return false;
    keys_.push_back(key);
    return true;
  }

 private:
  std::vector<std::string_view> keys_;
};

std::optional<std::int64_t> positive_or_zero(element v) {
  std::int64_t n = 0;
  if (v.type() != element_type::INT64 || v.get_int64().get(n) || n < 0)
    return std::nullopt;  // unsigned, double, negative: slow path
  return n;
}

/// A record's data as parse_mutation keeps it: an object of strings and nulls, with known
/// fields only, and an id (when present) equal to the mutation's.
std::optional<nlohmann::json> read_data(object data, Entity e, std::string_view id) {
  nlohmann::json out = nlohmann::json::object();
  SeenKeys seen;
  for (auto [key, value] : data) {
    if (!seen.first(key)) return std::nullopt;
    if (value.type() == element_type::NULL_VALUE) {
      if (key == "id") return std::nullopt;
      out[std::string(key)] = nullptr;
    } else if (std::string_view text; !value.get_string().get(text)) {
      if (key == "id" && text != id) return std::nullopt;
      out[std::string(key)] = text;
    } else {
      return std::nullopt;
    }
  }
  if (shape_error(e, out)) return std::nullopt;
  return out;
}

std::optional<Mutation> read_mutation(element item) {
  Mutation m;
  bool has_seq = false, has_entity = false, has_id = false, has_op = false;
  std::optional<object> data;
  SeenKeys seen;
  object fields;
  if (item.get_object().get(fields)) return std::nullopt;
  for (auto [key, value] : fields) {
    if (!seen.first(key)) return std::nullopt;
    if (key == "seq") {
      auto n = positive_or_zero(value);
      if (!n || *n == 0) return std::nullopt;
      m.seq = *n;
      has_seq = true;
    } else if (key == "entity") {
      std::string_view name;
      if (value.get_string().get(name)) return std::nullopt;
      auto e = parse_entity(name);
      if (!e) return std::nullopt;
      m.entity = *e;
      has_entity = true;
    } else if (key == "id") {
      std::string_view id;
      if (value.get_string().get(id)) return std::nullopt;
      m.id = std::string(id);
      if (!is_valid_uuid(m.id)) return std::nullopt;
      has_id = true;
    } else if (key == "op") {
      std::string_view op;
      if (value.get_string().get(op)) return std::nullopt;
      if (op != "upsert" && op != "delete") return std::nullopt;
      m.op = op == "upsert" ? Op::upsert : Op::remove;
      has_op = true;
    } else if (key == "base_rev") {
      if (value.type() == element_type::NULL_VALUE) continue;
      auto n = positive_or_zero(value);
      if (!n) return std::nullopt;
      m.base_rev = *n;
    } else if (key == "data") {
      if (value.type() == element_type::NULL_VALUE) continue;
      object d;
      if (value.get_object().get(d)) return std::nullopt;
      data = d;
    } else {
      return std::nullopt;
    }
  }
  if (!has_seq || !has_entity || !has_id || !has_op) return std::nullopt;
  if (m.op == Op::upsert) {
    if (!data) return std::nullopt;
    auto d = read_data(*data, m.entity, m.id);
    if (!d) return std::nullopt;
    m.data = std::move(*d);
  } else if (data) {
    return std::nullopt;  // a delete's data is ignored; the slow path keeps that rare case
  }
  return m;
}

}  // namespace

struct PushRequestReader::Impl {
  simdjson::dom::parser parser;
};

PushRequestReader::PushRequestReader() : impl_(std::make_unique<Impl>()) {}
PushRequestReader::~PushRequestReader() = default;

std::optional<PushRequest> PushRequestReader::read(std::string_view body) {
  element root;
  if (impl_->parser.parse(body.data(), body.size()).get(root)) return std::nullopt;
  object top;
  if (root.get_object().get(top)) return std::nullopt;
  PushRequest r;
  bool has_device = false, has_mutations = false;
  SeenKeys seen;
  std::unordered_set<std::int64_t> seqs;
  for (auto [key, value] : top) {
    if (!seen.first(key)) return std::nullopt;
    if (key == "device_id") {
      std::string_view device;
      if (value.get_string().get(device)) return std::nullopt;
      r.device_id = std::string(device);
      if (r.device_id.empty() || r.device_id.size() > kMaxDeviceIdLength) return std::nullopt;
      has_device = true;
    } else if (key == "mutations") {
      simdjson::dom::array items;
      if (value.get_array().get(items)) return std::nullopt;
      if (items.size() > kMaxMutationsPerPush) return std::nullopt;
      r.mutations.reserve(items.size());
      for (element item : items) {
        auto m = read_mutation(item);
        if (!m || !seqs.insert(m->seq).second) return std::nullopt;
        r.mutations.push_back(std::move(*m));
      }
      has_mutations = true;
    } else {
      return std::nullopt;
    }
  }
  if (!has_device || !has_mutations) return std::nullopt;
  return r;
}

}  // namespace craftsync
