// PNG encoding (signature, IHDR, one IDAT compressed with zlib's compress2, IEND; chunk CRCs from
// zlib's crc32) and the Canvas drawing operations.
#include <xgrad/viz/png.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/io/atomic_file.hpp>
#include <xgrad/viz/bitmap_font.hpp>

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace xg::viz {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  out += static_cast<char>((v >> 24) & 0xFF);
  out += static_cast<char>((v >> 16) & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

/// Appends one chunk: length, type, data, CRC-32 over type and data.
void put_chunk(std::string& out, const char (&type)[5], const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.append(type, 4);
  out += data;
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(out.data() + type_at), out.size() - type_at);
  put_u32(out, static_cast<std::uint32_t>(crc));
}

bool has_png_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

}  // namespace

std::string encode_png(int width, int height, int channels, const std::vector<std::uint8_t>& pixels) {
  if (width <= 0 || height <= 0)
    throw ValueError("encode_png: image size must be positive, got " + std::to_string(width) + " x " +
                     std::to_string(height));
  if (channels != 1 && channels != 3)
    throw ValueError("encode_png: channels must be 1 (grayscale) or 3 (RGB), got " + std::to_string(channels));
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(channels);
  const std::uint64_t expected = row_bytes * static_cast<std::uint64_t>(height);
  if (expected > (std::uint64_t{1} << 32))
    throw ValueError("encode_png: " + std::to_string(width) + " x " + std::to_string(height) + " x " +
                     std::to_string(channels) + " image is too large (more than 4 GiB of pixels)");
  if (pixels.size() != expected)
    throw ValueError("encode_png: a " + std::to_string(width) + " x " + std::to_string(height) + " image with " +
                     std::to_string(channels) + " channel(s) needs " + std::to_string(expected) +
                     " pixel bytes, got " + std::to_string(pixels.size()));

  // Scanlines, each preceded by its filter-type byte (0 = None).
  std::vector<std::uint8_t> raw;
  raw.reserve(static_cast<std::size_t>(expected + static_cast<std::uint64_t>(height)));
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    const auto row = pixels.begin() + static_cast<std::ptrdiff_t>(row_bytes * static_cast<std::uint64_t>(y));
    raw.insert(raw.end(), row, row + static_cast<std::ptrdiff_t>(row_bytes));
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(compressed_size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size, raw.data(),
                           static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  if (rc != Z_OK) throw Error("encode_png: zlib compress2 failed with code " + std::to_string(rc));
  compressed.resize(compressed_size);

  std::string ihdr;
  put_u32(ihdr, static_cast<std::uint32_t>(width));
  put_u32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += static_cast<char>(8);                        // bit depth
  ihdr += static_cast<char>(channels == 1 ? 0 : 2);    // colour type: grayscale or truecolour
  ihdr += static_cast<char>(0);                        // compression: deflate
  ihdr += static_cast<char>(0);                        // filter method: adaptive (type per row)
  ihdr += static_cast<char>(0);                        // no interlace

  std::string out("\x89PNG\r\n\x1a\n", 8);
  put_chunk(out, "IHDR", ihdr);
  put_chunk(out, "IDAT", compressed);
  put_chunk(out, "IEND", {});
  return out;
}

void write_png(const std::string& path, int width, int height, int channels, const std::vector<std::uint8_t>& pixels) {
  if (!has_png_extension(path))
    throw ValueError("write_png: cannot write '" + path + "': unknown extension '" +
                     std::filesystem::path(path).extension().string() + "' (expected .png)");
  io::write_atomically(path, encode_png(width, height, channels, pixels));
}

// ---- Canvas ------------------------------------------------------------------------------------

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width <= 0 || height <= 0)
    throw ValueError("Canvas: size must be positive, got " + std::to_string(width) + " x " + std::to_string(height));
  if (static_cast<std::int64_t>(width) * height > (std::int64_t{1} << 28))
    throw ValueError("Canvas: " + std::to_string(width) + " x " + std::to_string(height) +
                     " is too large (at most 2^28 pixels)");
  pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  for (std::size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

Rgb Canvas::pixel(int x, int y) const {
  if (x < 0 || x >= width_ || y < 0 || y >= height_)
    throw IndexError("Canvas::pixel: (" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " +
                     std::to_string(width_) + " x " + std::to_string(height_) + " canvas");
  const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void Canvas::set_pixel(int x, int y, Rgb color) { fill_rect(x, y, 1, 1, color); }

void Canvas::fill_rect(int x, int y, int w, int h, Rgb color) {
  const int x0 = std::max(x, 0), y0 = std::max(y, 0);
  const int x1 = static_cast<int>(std::min<std::int64_t>(static_cast<std::int64_t>(x) + w, width_));
  const int y1 = static_cast<int>(std::min<std::int64_t>(static_cast<std::int64_t>(y) + h, height_));
  for (int yy = y0; yy < y1; ++yy) {
    std::uint8_t* p = pixels_.data() + (static_cast<std::size_t>(yy) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x0)) * 3;
    for (int xx = x0; xx < x1; ++xx, p += 3) {
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
    }
  }
}

void Canvas::stroke_rect(int x, int y, int w, int h, Rgb color, int thickness) {
  const int t = std::max(1, std::min({thickness, (w + 1) / 2, (h + 1) / 2}));
  fill_rect(x, y, w, t, color);
  fill_rect(x, y + h - t, w, t, color);
  fill_rect(x, y, t, h, color);
  fill_rect(x + w - t, y, t, h, color);
}

void Canvas::blit_gray(int x, int y, const std::vector<std::uint8_t>& gray, int w, int h, int scale) {
  if (scale < 1) throw ValueError("Canvas::blit_gray: scale must be at least 1, got " + std::to_string(scale));
  if (w < 0 || h < 0 || gray.size() != static_cast<std::size_t>(w) * static_cast<std::size_t>(h))
    throw ValueError("Canvas::blit_gray: a " + std::to_string(w) + " x " + std::to_string(h) + " image needs " +
                     std::to_string(static_cast<std::int64_t>(w) * h) + " bytes, got " + std::to_string(gray.size()));
  for (int sy = 0; sy < h; ++sy)
    for (int sx = 0; sx < w; ++sx) {
      const std::uint8_t v = gray[static_cast<std::size_t>(sy) * static_cast<std::size_t>(w) + static_cast<std::size_t>(sx)];
      fill_rect(x + sx * scale, y + sy * scale, scale, scale, {v, v, v});
    }
}

void Canvas::draw_text(int x, int y, std::string_view text, Rgb color, int scale) {
  if (scale < 1) throw ValueError("Canvas::draw_text: scale must be at least 1, got " + std::to_string(scale));
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int gx = x + static_cast<int>(i) * font::advance * scale;
    for (int fy = 0; fy < font::glyph_height; ++fy)
      for (int fx = 0; fx < font::glyph_width; ++fx)
        if (font::glyph_pixel(text[i], fx, fy)) fill_rect(gx + fx * scale, y + fy * scale, scale, scale, color);
  }
}

void Canvas::draw_text_vertical(int x, int y, std::string_view text, Rgb color, int scale) {
  if (scale < 1) throw ValueError("Canvas::draw_text_vertical: scale must be at least 1, got " + std::to_string(scale));
  const int length = font::text_width(text, scale);  // extent along the text, drawn upwards from y + length
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int along = static_cast<int>(i) * font::advance;
    for (int fy = 0; fy < font::glyph_height; ++fy)
      for (int fx = 0; fx < font::glyph_width; ++fx)
        if (font::glyph_pixel(text[i], fx, fy))
          fill_rect(x + fy * scale, y + length - (along + fx + 1) * scale, scale, scale, color);
  }
}

void Canvas::save_png(const std::string& path) const { write_png(path, width_, height_, 3, pixels_); }

}  // namespace xg::viz
