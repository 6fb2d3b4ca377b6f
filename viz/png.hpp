#pragma once
// A minimal PNG writer and an RGB drawing surface for the pictures xgrad makes itself (digit
// grids, confusion matrices): no image library needed.
//
//   xg::viz::Canvas canvas(200, 100);                       // white
//   canvas.fill_rect(10, 10, 50, 20, xg::viz::colors::red);
//   canvas.draw_text(10, 40, "p:7 t:1", xg::viz::colors::black, 2);
//   canvas.save_png("out.png");
//
// PNG files are 8 bits per sample, grayscale (1 channel) or RGB (3 channels), non-interlaced, one
// zlib-compressed IDAT chunk, filter type 0 (None) on every row. They are written to a temporary
// file and renamed over the target, so a reader never sees a half-written picture.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xg::viz {

/// The bytes of a PNG file for `pixels`: row-major, `channels` (1 = gray, 3 = RGB) bytes per pixel,
/// width * height * channels bytes in all. Throws ValueError for a zero or too large size, other
/// channel counts, or a pixel buffer of the wrong length (the message gives expected and found).
std::string encode_png(int width, int height, int channels, const std::vector<std::uint8_t>& pixels);

/// Writes encode_png(...) to `path`, which must end in ".png" (ValueError otherwise), atomically
/// (temporary file + rename). A file-system failure throws io::IoError naming the path.
void write_png(const std::string& path, int width, int height, int channels, const std::vector<std::uint8_t>& pixels);

/// An 8-bit RGB colour.
struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// Colours used by the xgrad pictures.
namespace colors {
inline constexpr Rgb white{255, 255, 255};
inline constexpr Rgb black{0, 0, 0};
inline constexpr Rgb dark_gray{40, 40, 40};
inline constexpr Rgb light_gray{225, 225, 225};
inline constexpr Rgb red{210, 0, 0};
}  // namespace colors

/// An RGB image in memory with a few drawing operations. Coordinates are pixels, x to the right
/// and y downwards from the top-left corner; drawing outside the canvas is clipped silently.
class Canvas {
 public:
  /// A width x height canvas filled with `background`. Throws ValueError unless both are positive
  /// and the canvas has at most 2^28 pixels.
  Canvas(int width, int height, Rgb background = colors::white);

  int width() const { return width_; }
  int height() const { return height_; }

  /// The colour at (x, y); throws IndexError outside the canvas.
  Rgb pixel(int x, int y) const;
  /// Sets one pixel (ignored outside the canvas).
  void set_pixel(int x, int y, Rgb color);

  /// Fills the rectangle with top-left corner (x, y), `w` pixels wide and `h` high.
  void fill_rect(int x, int y, int w, int h, Rgb color);
  /// Draws the outline of the rectangle, `thickness` pixels wide, inside its bounds.
  void stroke_rect(int x, int y, int w, int h, Rgb color, int thickness = 1);

  /// Draws a grayscale image (`w` x `h` bytes, row-major, 0 = black, 255 = white) with its top-left
  /// corner at (x, y), each source pixel as a scale x scale block. Throws ValueError when
  /// gray.size() != w * h or scale < 1.
  void blit_gray(int x, int y, const std::vector<std::uint8_t>& gray, int w, int h, int scale = 1);

  /// Writes `text` in the built-in 5x7 font (viz/bitmap_font.hpp), the top-left corner of the first
  /// glyph at (x, y), each font pixel a scale x scale block; '\n' is not interpreted. Throws
  /// ValueError when scale < 1.
  void draw_text(int x, int y, std::string_view text, Rgb color, int scale = 1);

  /// Writes `text` turned a quarter turn counter-clockwise, reading bottom to top (a y-axis label).
  /// It fills a box font::text_height(scale) wide and font::text_width(text, scale) high whose
  /// top-left corner is (x, y). Throws ValueError when scale < 1.
  void draw_text_vertical(int x, int y, std::string_view text, Rgb color, int scale = 1);

  /// The pixels, row-major, three bytes (r, g, b) per pixel.
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }

  /// Writes the canvas as an RGB PNG (see write_png).
  void save_png(const std::string& path) const;

 private:
  int width_;
  int height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace xg::viz
