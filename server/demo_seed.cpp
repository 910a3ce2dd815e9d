#include "server/demo_seed.hpp"

#include <array>
#include <cstdio>

#include "core/clock.hpp"
#include "core/uuid.hpp"
#include "server/mutation_apply.hpp"

namespace craftsync::server {
namespace {

using nlohmann::json;

/// splitmix64: tiny, fast and identical on every platform (unlike std distributions).
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  template <std::size_t N>
  const char* pick(const std::array<const char*, N>& a) {
    return a[below(N)];
  }
};

constexpr std::array<const char*, 32> kFirst = {
    "Olivia",   "Liam",     "Emma",    "Noah",   "Ava",    "Elijah",   "Sophia", "James",
    "Isabella", "Lucas",    "Mia",     "Mateo",  "Amelia", "Benjamin", "Harper", "Henry",
    "Evelyn",   "Theodore", "Abigail", "Jack",   "Emily",  "Levi",     "Ella",   "Alexander",
    "Grace",    "Samuel",   "Chloe",   "Daniel", "Nora",   "Owen",     "Zoe",    "Priya"};
constexpr std::array<const char*, 32> kLast = {
    "Smith",     "Johnson",  "Williams",  "Brown",   "Jones",    "Garcia",   "Miller",   "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez",   "Gonzalez", "Wilson",   "Anderson", "Thomas",
    "Taylor",    "Moore",    "Jackson",   "Martin",  "Lee",      "Perez",    "Thompson", "White",
    "Harris",    "Sanchez",  "Clark",     "Ramirez", "Lewis",    "Robinson", "Walker",   "Nguyen"};
constexpr std::array<const char*, 12> kCompanySuffix = {
    "Cabinetry",     "Woodworks",  "Remodeling",  "Builders", "Interiors",    "Carpentry",
    "Home Services", "Design Co.", "Renovations", "Millwork", "Construction", "Workshop"};
constexpr std::array<const char*, 20> kStreets = {
    "Maple Ave", "Oak St",      "Cedar Ln",     "Pine Rd",     "Elm St",
    "Birch Way", "Walnut Dr",   "Spruce Ct",    "Willow Blvd", "Ash Pl",
    "Main St",   "Lakeview Dr", "Hillcrest Rd", "River Rd",    "Sunset Blvd",
    "Park Ave",  "Forest Ln",   "Meadow Dr",    "Church St",   "Mill Rd"};
struct Place {
  const char* city;
  const char* state;
  int zip;
};
constexpr std::array<Place, 16> kPlaces = {{{"Portland", "OR", 97201},
                                            {"Austin", "TX", 78701},
                                            {"Denver", "CO", 80202},
                                            {"Madison", "WI", 53703},
                                            {"Raleigh", "NC", 27601},
                                            {"Boise", "ID", 83702},
                                            {"Burlington", "VT", 5401},
                                            {"Tucson", "AZ", 85701},
                                            {"Columbus", "OH", 43215},
                                            {"Richmond", "VA", 23219},
                                            {"Sacramento", "CA", 95814},
                                            {"Omaha", "NE", 68102},
                                            {"Spokane", "WA", 99201},
                                            {"Savannah", "GA", 31401},
                                            {"Albany", "NY", 12207},
                                            {"Ann Arbor", "MI", 48104}}};
constexpr std::array<const char*, 4> kStatuses = {"draft", "sent", "accepted", "declined"};

constexpr std::int64_t kEpochMs = 1767225600000;  // 2026-01-01T00:00:00Z

class Seeder {
 public:
  Seeder(WriteTxn& txn, Rng& rng) : txn_(txn), rng_(rng) {}

  void customer(SeedStats& stats, std::int64_t index) {
    std::int64_t created = kEpochMs + index * 60000;
    std::string id = make_uuid_v7(static_cast<std::uint64_t>(created), rng_.next(), rng_.next());
    std::string first = rng_.pick(kFirst), last = rng_.pick(kLast);
    bool company = rng_.below(3) == 0;
    std::string name = company ? last + " " + rng_.pick(kCompanySuffix) : first + " " + last;
    const Place& place = kPlaces[rng_.below(kPlaces.size())];
    char phone[32], zip[16], email[128];
    std::snprintf(phone, sizeof phone, "(%03d) 555-%04d", static_cast<int>(200 + rng_.below(700)),
                  static_cast<int>(rng_.below(10000)));
    std::snprintf(zip, sizeof zip, "%05d", place.zip + static_cast<int>(rng_.below(40)));
    std::snprintf(email, sizeof email, "%s.%s%lld@example.com", first.c_str(), last.c_str(),
                  static_cast<long long>(index));
    for (char* p = email; *p; ++p) *p = static_cast<char>(std::tolower(*p));
    std::string ts = iso_from_unix_ms(created);
    json data = {{"name", name},
                 {"email", email},
                 {"phone", phone},
                 {"address", std::to_string(100 + rng_.below(9800)) + " " + rng_.pick(kStreets)},
                 {"city", place.city},
                 {"state", place.state},
                 {"zip", zip},
                 {"created_at", ts},
                 {"updated_at", ts}};
    write(Entity::customers, id, data);
    ++stats.customers;

    int quotes = static_cast<int>(rng_.below(4));
    for (int q = 0; q < quotes; ++q) quote(stats, id, created + (q + 1) * 3600000);
  }

 private:
  void quote(SeedStats& stats, const std::string& customer_id, std::int64_t created) {
    std::string id = make_uuid_v7(static_cast<std::uint64_t>(created), rng_.next(), rng_.next());
    const char* status = kStatuses[rng_.below(kStatuses.size())];
    std::uint64_t cents = 15000 + rng_.below(2500000);
    std::string amount = std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
                         std::to_string(cents % 100);
    std::string ts = iso_from_unix_ms(created);
    write(Entity::quotes, id,
          {{"customer_id", customer_id},
           {"total_amount", amount},
           {"status", status},
           {"created_at", ts},
           {"updated_at", ts}});
    ++stats.quotes;
    if (std::string_view(status) == "accepted" && rng_.below(10) < 7) {
      std::int64_t ocreated = created + 86400000;
      std::string oid =
          make_uuid_v7(static_cast<std::uint64_t>(ocreated), rng_.next(), rng_.next());
      std::string ots = iso_from_unix_ms(ocreated);
      write(Entity::orders, oid,
            {{"quote_id", id},
             {"customer_id", customer_id},
             {"created_at", ots},
             {"updated_at", ots}});
      ++stats.orders;
    }
  }

  void write(Entity e, const std::string& id, json data) {
    Mutation m;
    m.entity = e;
    m.id = id;
    m.data = std::move(data);
    MutationResult r = apply_mutation(txn_, m);
    if (r.status != Verdict::applied)
      throw std::runtime_error("demo seed: " + std::string(entity_name(e)) + " was not applied");
  }

  WriteTxn& txn_;
  Rng& rng_;
};

}  // namespace

SeedStats seed_demo(Storage& storage, std::int64_t customers, std::uint64_t seed,
                    const std::function<void(std::int64_t)>& progress) {
  SeedStats stats;
  if (customers <= 0 || storage.count_rows(Entity::customers) > 0) return stats;
  Rng rng{seed};
  constexpr std::int64_t kBatch = 5000;
  for (std::int64_t start = 0; start < customers; start += kBatch) {
    auto txn = storage.begin_write();
    txn->set_author("demo-seed");  // as record history names these rows
    Seeder seeder(*txn, rng);
    for (std::int64_t i = start; i < std::min(customers, start + kBatch); ++i)
      seeder.customer(stats, i);
    txn->commit();
    if (progress) progress(std::min(customers, start + kBatch));
  }
  return stats;
}

}  // namespace craftsync::server
