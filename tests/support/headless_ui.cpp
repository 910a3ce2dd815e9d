#include "tests/support/headless_ui.hpp"

#include <cfloat>

namespace craftsync::test {

HeadlessUi::HeadlessUi(bool in_window, float width, float height) : in_window_(in_window) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // never write imgui.ini from a test
  io.DisplaySize = ImVec2(width, height);
  io.DeltaTime = 1.0f / 60.0f;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(1)));
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  // The keys ImGui's navigation reads, at GLFW's codes as the console's backend maps them.
  io.KeyMap[ImGuiKey_Tab] = 258;
  io.KeyMap[ImGuiKey_Space] = 32;
  io.KeyMap[ImGuiKey_Enter] = 257;
  io.KeyMap[ImGuiKey_Escape] = 256;
  io.KeyMap[ImGuiKey_RightArrow] = 262;
  io.KeyMap[ImGuiKey_LeftArrow] = 263;
  io.KeyMap[ImGuiKey_DownArrow] = 264;
  io.KeyMap[ImGuiKey_UpArrow] = 265;
  console::install_probe(&probe_);
}

HeadlessUi::~HeadlessUi() {
  console::install_probe(nullptr);
  ImGui::DestroyContext();
}

void HeadlessUi::frame(const Draw& draw) {
  ImGui::NewFrame();
  if (in_window_) {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin(
        "##test_window", nullptr,
        ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
    draw();
    ImGui::End();
  } else {
    draw();
  }
  ImGui::Render();
  last_vertices_ = ImGui::GetDrawData() ? ImGui::GetDrawData()->TotalVtxCount : 0;
}

const console::ProbedItem* HeadlessUi::item(const std::string& label) const {
  auto it = probe_.items.find(label);
  if (it == probe_.items.end() || it->second.frame != ImGui::GetFrameCount()) return nullptr;
  return &it->second;
}

bool HeadlessUi::click(const std::string& label, const Draw& draw) {
  return press(label, 0, draw);
}

bool HeadlessUi::right_click(const std::string& label, const Draw& draw) {
  return press(label, 1, draw);
}

bool HeadlessUi::press(const std::string& label, int button, const Draw& draw) {
  // Where it is now, after whatever the test changed: two frames, as tables and panes settle
  // their widths at the frame after a change (a person sees the settled one).
  frame(draw);
  frame(draw);
  const console::ProbedItem* target = item(label);
  if (!target || !target->enabled) return false;
  ImVec2 at = target->center();
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = at;
  frame(draw);  // hover
  io.MouseDown[button] = true;
  frame(draw);  // press
  io.MouseDown[button] = false;
  frame(draw);  // release: the click lands
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  return true;
}

void HeadlessUi::press_key(int key, bool ctrl, const Draw& draw) {
  ImGuiIO& io = ImGui::GetIO();
  io.KeyCtrl = ctrl;
  io.KeysDown[key] = true;
  frame(draw);
  io.KeysDown[key] = false;
  io.KeyCtrl = false;
  frame(draw);
}

void HeadlessUi::scroll(ImVec2 at, float wheel, const Draw& draw) {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = at;
  io.MouseWheel = wheel;
  frame(draw);
  io.MouseWheel = 0;
}

}  // namespace craftsync::test
