// End to end under Xvfb: the real craftsync-console binary against the real server. It syncs
// on launch, photographs itself, and exits; the data must be in its database and in the picture.

#include <catch2/catch.hpp>

#include <stb_image.h>

#include <filesystem>
#include <map>

#include "core/sync_engine.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/worker_waiter.hpp"

using namespace craftsync;
using namespace craftsync::test;

namespace {

struct Picture {
  int width = 0, height = 0;
  std::size_t colours = 0;
  double ink = 0;  // share of pixels that differ from the commonest (background) colour
};

Picture look_at(const std::string& png) {
  Picture p;
  int channels = 0;
  unsigned char* px = stbi_load(png.c_str(), &p.width, &p.height, &channels, 3);
  REQUIRE(px);
  std::map<std::uint32_t, std::size_t> counts;
  std::size_t n = static_cast<std::size_t>(p.width) * static_cast<std::size_t>(p.height);
  for (std::size_t i = 0; i < n; ++i)
    ++counts[(std::uint32_t(px[3 * i]) << 16) | (std::uint32_t(px[3 * i + 1]) << 8) |
             px[3 * i + 2]];
  stbi_image_free(px);
  std::size_t commonest = 0;
  for (const auto& [c, k] : counts) commonest = std::max(commonest, k);
  p.colours = counts.size();
  p.ink = 1.0 - static_cast<double>(commonest) / static_cast<double>(n);
  return p;
}

int run_console(const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> full = {"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1024x768x24",
                                   CRAFTSYNC_CONSOLE_BIN};
  full.insert(full.end(), args.begin(), args.end());
  int code = -1;
  *output = run_program(full, &code, true);
  return code;
}

}  // namespace

TEST_CASE("console e2e: launch sync under Xvfb, the data is in the database and in the picture",
          "[console][e2e][pull]") {
  REQUIRE(std::filesystem::exists("/usr/bin/xvfb-run"));
  ServerProcess server(server_args({"--seed-demo", "150", "--quiet"}));
  TempDir dir;
  ScopedEnv config("XDG_CONFIG_HOME", dir.file("config"));
  ScopedEnv data("XDG_DATA_HOME", dir.file("data"));
  std::string out;

  // The same window with nothing in it, to compare with.
  std::string empty_png = dir.file("empty.png");
  int code = run_console({"--db", dir.file("empty.db"), "--screenshot", empty_png, "--frames", "3",
                          "--size", "1280x800"},
                         &out);
  INFO(out);
  REQUIRE(code == 0);

  std::string png = dir.file("synced.png"), db = dir.file("client.db");
  code = run_console({"--db", db, "--remote", server.url(), "--api-key", server.admin_key(),
                      "--screenshot", png, "--frames", "5", "--size", "1280x800", "--demo-state",
                      "inspector", "--screenshot-timeout", "90"},
                     &out);
  INFO(out);
  REQUIRE(code == 0);

  SyncEngine engine(db);
  StatusReport status = engine.status();
  CHECK(status.records[0] == 150);
  CHECK(status.records[1] > 0);
  auto runs = engine.runs(5);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].ok);
  CHECK(runs[0].trigger == "launch");

  Picture synced = look_at(png), empty = look_at(empty_png);
  CHECK(synced.width == 1280);
  CHECK(synced.height == 800);
  CHECK(synced.colours > 50);  // not blank
  CHECK(synced.ink > 0.05);
  CHECK(synced.ink > empty.ink * 1.3);                // the rows and the detail pane are drawn
  CHECK_FALSE(std::filesystem::exists("imgui.ini"));  // nothing written to the working directory
}
