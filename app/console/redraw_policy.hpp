#pragma once
// When the console's loop draws. A few frames after every input event, counted from the last
// one: ImGui acts on a click at its release and shows what it changed a frame later (a ticked
// "Show" unmasks the key, a click on the badge opens its details), and a release can arrive while
// the frames of its press are still being drawn. Otherwise only when a snapshot arrives, commands
// went out, or a shown time is due (the loop waits for those).
//
// Threading: the render thread only.

#include <algorithm>

namespace craftsync::console {

class RedrawPolicy {
 public:
  static constexpr int kFramesAfterInput = 3;

  /// Any window event: mouse, keys, text, scroll, focus, size.
  void input() { frames_ = kFramesAfterInput; }
  /// A new snapshot: one frame draws it.
  void snapshot() { frames_ = std::max(frames_, 1); }
  /// Commands went to the worker: its answer may change what is drawn.
  void commands_sent() { frames_ = std::max(frames_, 2); }
  /// Frames are still due: poll for events instead of waiting for them.
  bool busy() const { return frames_ > 0; }
  void frame_drawn() {
    if (frames_ > 0) --frames_;
  }

 private:
  int frames_ = kFramesAfterInput;  // the first frames lay the window out
};

}  // namespace craftsync::console
