// Build-time tool: writes the console's icon (window_icon.cpp) as a PNG for the desktop entry,
// so the window and the launcher show the same picture. Usage: craftsync_icon_png SIZE FILE

#include <cstdio>
#include <cstdlib>

#include <stb_image_write.h>

#include "app/console/window_icon.hpp"

int main(int argc, char** argv) {
  int size = argc == 3 ? std::atoi(argv[1]) : 0;
  if (size < 16 || size > 1024) {
    std::fprintf(stderr, "usage: craftsync_icon_png SIZE(16-1024) FILE\n");
    return 2;
  }
  auto px = craftsync::console::icon_pixels(size);
  if (!stbi_write_png(argv[2], size, size, 4, px.data(), size * 4)) {
    std::fprintf(stderr, "craftsync_icon_png: cannot write %s\n", argv[2]);
    return 1;
  }
  return 0;
}
