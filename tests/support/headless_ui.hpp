#pragma once
// A Dear ImGui context with no window and no GPU, for widget tests and the frame benchmark:
// it builds the font atlas in memory, runs NewFrame/Render, and can click the panels' items
// like a person would (through the widgets' ProbeRegistry) or press keys.
//
// Threading: one thread; one HeadlessUi at a time (ImGui's context is global).

#include <imgui.h>

#include <functional>
#include <string>

#include "widgets/ui_probe.hpp"

namespace craftsync::test {

class HeadlessUi {
 public:
  /// `in_window`: wrap every draw in a full-screen window, as the console's panels expect
  /// (off for code that makes its own, like ConsoleUi).
  explicit HeadlessUi(bool in_window = true, float width = 1280, float height = 800);
  ~HeadlessUi();
  HeadlessUi(const HeadlessUi&) = delete;
  HeadlessUi& operator=(const HeadlessUi&) = delete;

  using Draw = std::function<void()>;
  /// One frame with `draw` between NewFrame and Render.
  void frame(const Draw& draw);

  /// The item last drawn with this label (as passed to ImGui, with any ## suffix), or nullptr.
  const console::ProbedItem* item(const std::string& label) const;
  /// Moves the mouse over the item, presses and releases it over three frames. False when the
  /// item was not drawn or is disabled (nothing is clicked then).
  bool click(const std::string& label, const Draw& draw);
  /// The same with the right button (context menus).
  bool right_click(const std::string& label, const Draw& draw);
  /// Texts drawn through the panels' text helpers (text_fitted) are recorded from now on (off by
  /// default: the frame benchmark pays only for the clickable items, as before texts were).
  void record_texts() { probe_.texts = true; }
  /// A text drawn in the last frame, once record_texts() was called.
  bool drew_text(const std::string& text) const { return item("text:" + text) != nullptr; }
  /// Ctrl (optionally) + a key, pressed for one frame and released the next.
  void press_key(int key, bool ctrl, const Draw& draw);
  /// Mouse wheel over a point for one frame.
  void scroll(ImVec2 at, float wheel, const Draw& draw);
  /// Vertices in the last rendered frame (to check that lists are clipped).
  int last_vertex_count() const { return last_vertices_; }

 private:
  bool press(const std::string& label, int button, const Draw& draw);
  bool in_window_;
  console::ProbeRegistry probe_;
  int last_vertices_ = 0;
};

}  // namespace craftsync::test
