#pragma once
// The console's window icon, drawn in code (two arrows chasing each other round a circle on
// the theme's accent colour), so no image file needs to be found at run time.
//
// Threading: any thread (pure).

#include <vector>

namespace craftsync::console {

/// A size x size RGBA image.
std::vector<unsigned char> icon_pixels(int size);

}  // namespace craftsync::console
