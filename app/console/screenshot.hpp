#pragma once
// Writes what the current OpenGL context just rendered (its back buffer) to a PNG file.
//
// Threading: the render thread, with the window's GL context current.

#include <string>

namespace craftsync::console {

/// Reads `width` x `height` pixels of the back buffer and writes them as an RGB PNG. Returns
/// false with a reason in `error` on failure.
bool write_back_buffer_png(const std::string& path, int width, int height, std::string* error);

}  // namespace craftsync::console
