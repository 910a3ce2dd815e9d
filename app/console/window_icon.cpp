#include "app/console/window_icon.hpp"

#include <algorithm>
#include <cmath>

namespace craftsync::console {

std::vector<unsigned char> icon_pixels(int size) {
  std::vector<unsigned char> px(static_cast<std::size_t>(size * size * 4), 0);
  const double pi = 3.14159265358979;
  double c = (size - 1) / 2.0, outer = size * 0.47, ring = size * 0.30, width = size * 0.085;
  auto put = [&](int x, int y, double r, double g, double b, double a) {
    unsigned char* p = &px[static_cast<std::size_t>((y * size + x) * 4)];
    double src = std::clamp(a, 0.0, 1.0), dst = p[3] / 255.0, out = src + dst * (1 - src);
    if (out <= 0) return;
    auto mix = [&](unsigned char d, double s) {
      return static_cast<unsigned char>(std::lround((s * 255 * src + d * dst * (1 - src)) / out));
    };
    p[0] = mix(p[0], r);
    p[1] = mix(p[1], g);
    p[2] = mix(p[2], b);
    p[3] = static_cast<unsigned char>(std::lround(out * 255));
  };
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      double dx = x - c, dy = y - c, d = std::sqrt(dx * dx + dy * dy);
      // the disc, in the accent colour, antialiased at its edge
      put(x, y, 0.35, 0.64, 0.92, outer + 0.5 - d);
      // the ring, with two gaps where the arrow heads sit
      double angle = std::atan2(dy, dx);
      double phase = std::fmod(angle + 2 * pi, pi);  // the two halves look alike
      bool in_gap = phase > 0.0 && phase < 0.55;
      double ring_cover = width - std::abs(d - ring) + 0.5;
      if (!in_gap) put(x, y, 1, 1, 1, ring_cover);
    }
  }
  // arrow heads: small triangles at the end of each arc, pointing along the ring
  for (int k = 0; k < 2; ++k) {
    double a = 0.55 + k * pi;                    // where each gap ends
    double tx = -std::sin(a), ty = std::cos(a);  // tangent (direction of travel, backwards)
    double hx = c + ring * std::cos(a), hy = c + ring * std::sin(a);
    double tipx = hx - tx * size * 0.16, tipy = hy - ty * size * 0.16;
    double nx = std::cos(a), ny = std::sin(a), half = size * 0.14;
    double ax = hx + nx * half, ay = hy + ny * half, bx = hx - nx * half, by = hy - ny * half;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        auto side = [&](double x1, double y1, double x2, double y2) {
          return (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
        };
        double s1 = side(ax, ay, bx, by), s2 = side(bx, by, tipx, tipy),
               s3 = side(tipx, tipy, ax, ay);
        bool inside = (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
        if (inside) put(x, y, 1, 1, 1, 1);
      }
  }
  return px;
}

}  // namespace craftsync::console
