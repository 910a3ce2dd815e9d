#include "app/console/screenshot.hpp"

#include <GL/gl.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace craftsync::console {

bool write_back_buffer_png(const std::string& path, int width, int height, std::string* error) {
  if (width <= 0 || height <= 0) {
    if (error) *error = "empty framebuffer";
    return false;
  }
  std::size_t stride = static_cast<std::size_t>(width) * 3;
  std::vector<unsigned char> pixels(stride * static_cast<std::size_t>(height));
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (GLenum e = glGetError(); e != GL_NO_ERROR) {
    if (error) *error = "glReadPixels failed with GL error " + std::to_string(e);
    return false;
  }
  // OpenGL's rows go bottom-up; PNG's top-down.
  std::vector<unsigned char> row(stride);
  for (int y = 0; y < height / 2; ++y) {
    unsigned char* a = pixels.data() + stride * static_cast<std::size_t>(y);
    unsigned char* b = pixels.data() + stride * static_cast<std::size_t>(height - 1 - y);
    std::memcpy(row.data(), a, stride);
    std::memcpy(a, b, stride);
    std::memcpy(b, row.data(), stride);
  }
  // Dropping the lowest bits of each channel keeps UI pictures looking the same (flat colours,
  // antialiased text) and makes the PNG about half the size.
  for (unsigned char& c : pixels) c = static_cast<unsigned char>(std::min(255, (c + 4) & ~7));
  stbi_write_png_compression_level = 9;
  if (!stbi_write_png(path.c_str(), width, height, 3, pixels.data(), static_cast<int>(stride))) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace craftsync::console
