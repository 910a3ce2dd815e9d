// craftsync-console: the Dear ImGui desktop console over the sync engine (GLFW + OpenGL 3).
//
// Threading: this file is the render thread. It owns the window, GL context and ImGui; the
// engine lives on the Worker's thread, reached only through commands and snapshots.

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "app/console/console_options.hpp"
#include "app/console/console_ui.hpp"
#include "app/console/demo_state.hpp"
#include "app/console/fonts.hpp"
#include "app/console/redraw_policy.hpp"
#include "app/console/screenshot.hpp"
#include "app/console/theme.hpp"
#include "app/console/window_icon.hpp"
#include "app/console/worker.hpp"
#include "core/clock.hpp"
#include "widgets/focus_order.hpp"
#include "widgets/text_format.hpp"

using namespace craftsync;
using namespace craftsync::console;

namespace {

// Idle, the window sleeps until an event, a snapshot, or the moment a drawn time text ("5 s
// ago", "retrying in 30 s") would change (text_format.hpp), and at most this long.
constexpr double kMaxIdleWaitSeconds = 60.0;

volatile std::sig_atomic_t g_quit = 0;
bool g_input = false;  // an input event came since the last frame (GLFW callbacks, this thread)
void on_signal(int) {
  g_quit = 1;
}

std::string window_file() {
  return config_dir() + "/console-window.json";
}

void load_window_size(int* w, int* h) {
  std::ifstream in(window_file());
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return;
  *w = std::clamp(j.value("width", *w), 480, 8192);
  *h = std::clamp(j.value("height", *h), 360, 8192);
}

void save_window_size(GLFWwindow* window) {
  int w = 0, h = 0;
  glfwGetWindowSize(window, &w, &h);
  std::error_code ec;
  std::filesystem::create_directories(config_dir(), ec);
  std::ofstream out(window_file(), std::ios::trunc);
  out << nlohmann::json{{"width", w}, {"height", h}}.dump() << "\n";
}

float content_scale(GLFWwindow* window) {
  float x = 1, y = 1;
  glfwGetWindowContentScale(window, &x, &y);
  return std::clamp(std::max(x, y), 0.5f, 4.0f);
}

void set_icon(GLFWwindow* window) {
  std::vector<unsigned char> big = icon_pixels(64), small = icon_pixels(32);
  GLFWimage images[2] = {{64, 64, big.data()}, {32, 32, small.data()}};
  glfwSetWindowIcon(window, 2, images);
}

}  // namespace

int main(int argc, char** argv) {
  ConsoleOptions opts;
  if (auto code = parse_console_options(argc, argv, opts)) return *code;
  DemoState demo_state = parse_demo_state(opts.demo_state.empty() ? "none" : opts.demo_state)
                             .value_or(DemoState::none);
  bool screenshot = !opts.screenshot.empty();

  std::string warning;
  RemoteConfig remote = resolve_remote(opts.remote, &warning);
  if (!warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  if (remote.insecure)
    std::fprintf(stderr, "warning: TLS certificate verification is off (--insecure)\n");

  glfwSetErrorCallback(
      [](int code, const char* text) { std::fprintf(stderr, "glfw error %d: %s\n", code, text); });
  if (!glfwInit()) {
    std::fprintf(stderr,
                 "craftsync-console: cannot open a window (is $DISPLAY set?); the CLI `craftsync` "
                 "works without one\n");
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  int width = 1280, height = 800;
  if (!screenshot) load_window_size(&width, &height);
  if (opts.width > 0) {
    width = opts.width;
    height = opts.height;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, screenshot ? GLFW_FALSE : GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(width, height, "CraftSync console", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "craftsync-console: cannot create an OpenGL 3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(screenshot ? 0 : 1);
  set_icon(window);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  std::error_code ec;
  std::filesystem::create_directories(config_dir(), ec);
  static std::string ini_path = config_dir() + "/console-imgui.ini";
  io.IniFilename =
      screenshot ? nullptr : ini_path.c_str();  // pictures must not depend on a saved layout
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;

  std::string theme_warning;
  Theme theme = load_theme(opts.assets_dir + "/theme.json", &theme_warning);
  float scale = screenshot ? 1.0f : content_scale(window);
  FontSet fonts = load_fonts(theme, scale, &theme_warning);
  apply_theme(theme, scale, fonts.mono);
  if (!theme_warning.empty()) std::fprintf(stderr, "warning: %s\n", theme_warning.c_str());

  // Tab moves the focus through the whole window (widgets/focus_order.hpp), not ImGui: this
  // callback runs first, and the key is kept from ImGui before each frame.
  // Every input event is noted (g_input), so that the frames after it are drawn; ImGui's backend
  // installs its callbacks after these and calls them first.
  glfwSetKeyCallback(window, [](GLFWwindow*, int key, int, int action, int mods) {
    g_input = true;
    if (key == GLFW_KEY_TAB && action != GLFW_RELEASE && !(mods & GLFW_MOD_CONTROL))
      focus_tab(mods & GLFW_MOD_SHIFT ? -1 : +1);
  });
  glfwSetMouseButtonCallback(window, [](GLFWwindow*, int, int, int) { g_input = true; });
  glfwSetScrollCallback(window, [](GLFWwindow*, double, double) { g_input = true; });
  glfwSetCharCallback(window, [](GLFWwindow*, unsigned int) { g_input = true; });
  glfwSetCursorPosCallback(window, [](GLFWwindow*, double, double) { g_input = true; });
  glfwSetCursorEnterCallback(window, [](GLFWwindow*, int) { g_input = true; });
  glfwSetWindowFocusCallback(window, [](GLFWwindow*, int) { g_input = true; });
  glfwSetFramebufferSizeCallback(window, [](GLFWwindow*, int, int) { g_input = true; });
  glfwSetWindowRefreshCallback(window, [](GLFWwindow*) { g_input = true; });
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  WorkerOptions wo;
  wo.db_path = opts.db.empty() ? default_db_path() : opts.db;
  wo.remote = remote;
  wo.remote_view = describe_remote(opts.remote, remote, warning);
  wo.allow_launch_sync = !opts.no_launch_sync;
  wo.allow_live_sync = opts.demo_state.empty();  // a picture of a demo state must hold still
  wo.wake = [] { glfwPostEmptyEvent(); };
  Worker worker(wo);
  worker.start();

  ConsoleUi ui;
  DemoDriver demo(demo_state, opts.demo_table, opts.demo_filter);
  SnapshotPtr snap = std::make_shared<const Snapshot>();
  RedrawPolicy redraw;
  int frames = 0, exit_code = 0;
  auto started = std::chrono::steady_clock::now();

  while (!glfwWindowShouldClose(window) && !g_quit) {
    if (screenshot || redraw.busy()) {
      glfwPollEvents();
    } else {
      double wait = kMaxIdleWaitSeconds;
      if (std::int64_t due = redraw_due_in_ms(); due >= 0)
        wait = std::clamp(static_cast<double>(due) / 1000.0, 0.01, kMaxIdleWaitSeconds);
      // A running sync's bar moves, and a focused text field's cursor blinks.
      if (snap->sync.running || snap->verify.running) wait = std::min(wait, 0.1);
      if (io.WantTextInput) wait = std::min(wait, 0.5);
      glfwWaitEventsTimeout(wait);
    }
    if (g_input) {  // counted from the last event, also one that came while frames were due
      redraw.input();
      g_input = false;
    }
    if (!screenshot) {
      float now_scale = content_scale(window);
      if (now_scale != scale) {
        scale = now_scale;
        fonts = load_fonts(theme, scale, nullptr);
        apply_theme(theme, scale, fonts.mono);
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
      }
    }
    if (SnapshotPtr s = worker.poll()) {
      snap = std::move(s);
      redraw.snapshot();
    }

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (screenshot) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no hover effects in pictures
    io.KeysDown[io.KeyMap[ImGuiKey_Tab]] = false;              // focus_tab() had it
    ImGui::NewFrame();
    Commands commands;
    demo.before_frame(*snap, ui, commands);
    clear_redraw_note();
    ui.draw(*snap, commands, unix_now_ms());
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (!commands.empty()) {
      worker.send_all(commands);
      redraw.commands_sent();
    }

    if (screenshot && ++frames >= opts.frames) {
      bool ready = demo.ready(*snap, worker.commands_sent());
      double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      // Once the state is reached, a moment more so that what it changed is drawn and ImGui's
      // short fades (a modal's dimming) have finished.
      static double ready_at = -1;
      if (ready && ready_at < 0) ready_at = elapsed;
      if (!ready) ready_at = -1;
      bool settled = ready_at >= 0 && elapsed - ready_at >= demo.settle_seconds();
      if (settled || elapsed > opts.screenshot_timeout_s) {
        std::string error;
        if (!write_back_buffer_png(opts.screenshot, fb_w, fb_h, &error)) {
          std::fprintf(stderr, "craftsync-console: screenshot failed: %s\n", error.c_str());
          exit_code = 1;
        } else if (!ready) {
          std::fprintf(stderr,
                       "craftsync-console: state '%s' not reached in %.0f s; wrote %s anyway\n",
                       opts.demo_state.c_str(), opts.screenshot_timeout_s, opts.screenshot.c_str());
          exit_code = 3;
        } else {
          std::printf("wrote %s (%dx%d, %d frames)\n", opts.screenshot.c_str(), fb_w, fb_h, frames);
        }
        break;
      }
    }
    glfwSwapBuffers(window);
    redraw.frame_drawn();
  }

  // A clean shutdown: cancel a running sync and join the worker before the window goes.
  worker.stop();
  if (!screenshot) save_window_size(window);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}
