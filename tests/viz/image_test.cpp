// Tests of the PNG writer, the bitmap font, the Canvas, image grids and confusion-matrix pictures.
// Written PNG files are decoded here with zlib (chunk CRCs checked, IDAT inflated, filter bytes
// removed) so pixel values can be compared exactly.
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/io/errors.hpp>
#include <xgrad/viz/bitmap_font.hpp>
#include <xgrad/viz/image_grid.hpp>
#include <xgrad/viz/png.hpp>

#include "core/expect.hpp"
#include "core/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <zlib.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using xg::test::expect_error;
namespace viz = xg::viz;

using xg::test::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t u32_at(const std::string& bytes, std::size_t at) {
  BOOST_REQUIRE(at + 4 <= bytes.size());
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

struct DecodedPng {
  int width = 0;
  int height = 0;
  int bit_depth = 0;
  int color_type = 0;
  int channels = 0;
  std::vector<std::string> chunk_types;
  std::vector<std::uint8_t> pixels;  // row-major, channels bytes per pixel

  std::vector<std::uint8_t> at(int x, int y) const {
    const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) *
                   static_cast<std::size_t>(channels);
    return {pixels.begin() + static_cast<std::ptrdiff_t>(i),
            pixels.begin() + static_cast<std::ptrdiff_t>(i) + channels};
  }
};

/// Decodes what encode_png writes: 8-bit gray or RGB, filter type 0 on every row. Checks the
/// signature and every chunk CRC on the way.
DecodedPng decode_png(const std::string& bytes) {
  BOOST_REQUIRE(bytes.size() >= 8);
  BOOST_REQUIRE(bytes.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  DecodedPng png;
  std::string idat;
  std::size_t at = 8;
  while (at < bytes.size()) {
    const std::uint32_t length = u32_at(bytes, at);
    BOOST_REQUIRE(at + 12 + length <= bytes.size());
    const std::string type = bytes.substr(at + 4, 4);
    const std::string data = bytes.substr(at + 8, length);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at + 4), static_cast<uInt>(length + 4));
    BOOST_TEST_CONTEXT("chunk " << type) { BOOST_TEST(u32_at(bytes, at + 8 + length) == static_cast<std::uint32_t>(crc)); }
    png.chunk_types.push_back(type);
    if (type == "IHDR") {
      BOOST_REQUIRE(length == 13u);
      png.width = static_cast<int>(u32_at(data, 0));
      png.height = static_cast<int>(u32_at(data, 4));
      png.bit_depth = static_cast<unsigned char>(data[8]);
      png.color_type = static_cast<unsigned char>(data[9]);
      BOOST_TEST(static_cast<int>(data[10]) == 0);  // compression
      BOOST_TEST(static_cast<int>(data[11]) == 0);  // filter method
      BOOST_TEST(static_cast<int>(data[12]) == 0);  // interlace
    } else if (type == "IDAT") {
      idat += data;
    }
    at += 12 + length;
  }
  BOOST_REQUIRE(png.bit_depth == 8);
  BOOST_REQUIRE((png.color_type == 0 || png.color_type == 2));
  png.channels = png.color_type == 0 ? 1 : 3;
  const std::size_t row = static_cast<std::size_t>(png.width) * static_cast<std::size_t>(png.channels);
  std::vector<std::uint8_t> raw((row + 1) * static_cast<std::size_t>(png.height));
  uLongf raw_size = raw.size();
  BOOST_REQUIRE(uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()),
                           static_cast<uLong>(idat.size())) == Z_OK);
  BOOST_REQUIRE(raw_size == raw.size());
  for (int y = 0; y < png.height; ++y) {
    const auto first = raw.begin() + static_cast<std::ptrdiff_t>((row + 1) * static_cast<std::size_t>(y));
    BOOST_REQUIRE(*first == 0);  // filter type None
    png.pixels.insert(png.pixels.end(), first + 1, first + 1 + static_cast<std::ptrdiff_t>(row));
  }
  return png;
}

DecodedPng decode_file(const std::string& path) { return decode_png(read_bytes(path)); }

/// Pixels of `png` equal to `color` inside the rectangle [x0, x1) x [y0, y1).
int count_color(const DecodedPng& png, int x0, int y0, int x1, int y1, viz::Rgb color) {
  int n = 0;
  for (int y = std::max(0, y0); y < std::min(png.height, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(png.width, x1); ++x)
      if (png.at(x, y) == std::vector<std::uint8_t>{color.r, color.g, color.b}) ++n;
  return n;
}

/// N images of 28x28 whose pixels all equal values[i].
xg::Tensor flat_images(const std::vector<float>& values) {
  std::vector<float> data;
  for (float v : values) data.insert(data.end(), 28 * 28, v);
  return xg::from_vector(data, {static_cast<std::int64_t>(values.size()), 28, 28});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(png_writer)

BOOST_AUTO_TEST_CASE(signature_and_ihdr_bytes) {
  const std::string gray = viz::encode_png(3, 2, 1, {0, 1, 2, 3, 4, 5});
  BOOST_TEST(gray.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  BOOST_TEST(u32_at(gray, 8) == 13u);  // IHDR length
  BOOST_TEST(gray.substr(12, 4) == "IHDR");
  BOOST_TEST(u32_at(gray, 16) == 3u);  // width
  BOOST_TEST(u32_at(gray, 20) == 2u);  // height
  BOOST_TEST(static_cast<int>(gray[24]) == 8);  // bit depth
  BOOST_TEST(static_cast<int>(gray[25]) == 0);  // colour type: grayscale

  // Sizes above 65535 need all four bytes of the big-endian fields.
  const std::string rgb = viz::encode_png(70000, 2, 3, std::vector<std::uint8_t>(70000 * 2 * 3, 7));
  BOOST_TEST(u32_at(rgb, 16) == 70000u);
  BOOST_TEST(u32_at(rgb, 20) == 2u);
  BOOST_TEST(static_cast<int>(rgb[24]) == 8);
  BOOST_TEST(static_cast<int>(rgb[25]) == 2);  // colour type: truecolour
  BOOST_TEST(rgb.substr(rgb.size() - 8, 4) == "IEND");
}

BOOST_AUTO_TEST_CASE(decoded_pixels_match_a_tiny_gray_image) {
  const std::vector<std::uint8_t> pixels = {0, 128, 255, 1, 2, 254};
  const DecodedPng png = decode_png(viz::encode_png(3, 2, 1, pixels));
  BOOST_TEST(png.chunk_types == (std::vector<std::string>{"IHDR", "IDAT", "IEND"}), boost::test_tools::per_element());
  BOOST_TEST(png.width == 3);
  BOOST_TEST(png.height == 2);
  BOOST_TEST(png.pixels == pixels, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(decoded_pixels_match_a_tiny_rgb_image) {
  const std::vector<std::uint8_t> pixels = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  const DecodedPng png = decode_png(viz::encode_png(2, 2, 3, pixels));
  BOOST_TEST(png.color_type == 2);
  BOOST_TEST(png.at(0, 0) == (std::vector<std::uint8_t>{255, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(png.at(1, 0) == (std::vector<std::uint8_t>{0, 255, 0}), boost::test_tools::per_element());
  BOOST_TEST(png.at(0, 1) == (std::vector<std::uint8_t>{0, 0, 255}), boost::test_tools::per_element());
  BOOST_TEST(png.at(1, 1) == (std::vector<std::uint8_t>{10, 20, 30}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(write_png_writes_the_encoded_bytes_and_no_temporary) {
  TempDir dir;
  const std::vector<std::uint8_t> pixels = {9, 8, 7, 6};
  viz::write_png(dir.file("a.png"), 2, 2, 1, pixels);
  BOOST_TEST(read_bytes(dir.file("a.png")) == viz::encode_png(2, 2, 1, pixels));
  viz::write_png(dir.file("A.PNG"), 4, 1, 1, pixels);  // extension check ignores case
  BOOST_TEST(decode_file(dir.file("A.PNG")).width == 4);
  BOOST_TEST(dir.entry_count() == 2u);
}

BOOST_AUTO_TEST_CASE(write_png_rejects_bad_arguments) {
  TempDir dir;
  expect_error<xg::ValueError>([&] { viz::write_png(dir.file("a.jpg"), 1, 1, 1, {0}); },
                               {"a.jpg", "unknown extension '.jpg'", "expected .png"});
  expect_error<xg::ValueError>([&] { viz::write_png(dir.file("noext"), 1, 1, 1, {0}); }, {"noext", "expected .png"});
  expect_error<xg::ValueError>([&] { viz::write_png(dir.file("a.png"), 2, 2, 3, {0, 1, 2}); },
                               {"needs 12 pixel bytes", "got 3"});
  expect_error<xg::ValueError>([&] { viz::write_png(dir.file("a.png"), 1, 1, 2, {0, 0}); },
                               {"channels must be 1 (grayscale) or 3 (RGB)", "got 2"});
  expect_error<xg::ValueError>([&] { viz::write_png(dir.file("a.png"), 0, 5, 1, {}); }, {"positive", "0 x 5"});
  BOOST_TEST(dir.entry_count() == 0u);
  expect_error<xg::io::IoError>([&] { viz::write_png(dir.file("missing/a.png"), 1, 1, 1, {0}); }, {"missing/a.png"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bitmap_font)

BOOST_AUTO_TEST_CASE(text_metrics) {
  BOOST_TEST(viz::font::text_width("p:7 t:7", 1) == 41);
  BOOST_TEST(viz::font::text_width("p:7 t:7", 2) == 82);
  BOOST_TEST(viz::font::text_width("", 3) == 0);
  BOOST_TEST(viz::font::text_height(3) == 21);
}

BOOST_AUTO_TEST_CASE(glyph_shapes) {
  // '1': a full vertical stem in column 2; '-': only the middle row; '.': only the bottom rows.
  for (int y = 0; y < 7; ++y) BOOST_TEST(viz::font::glyph_pixel('1', 2, y));
  for (int x = 0; x < 5; ++x)
    for (int y = 0; y < 7; ++y) {
      BOOST_TEST(viz::font::glyph_pixel('-', x, y) == (y == 3));
      if (y < 5) BOOST_TEST(!viz::font::glyph_pixel('.', x, y));
      BOOST_TEST(!viz::font::glyph_pixel(' ', x, y));
    }
  BOOST_TEST(viz::font::glyph_pixel('.', 1, 6));
  BOOST_TEST(!viz::font::glyph_pixel('1', 2, 7));   // outside the glyph
  BOOST_TEST(!viz::font::glyph_pixel('1', -1, 0));
}

BOOST_AUTO_TEST_CASE(every_printable_glyph_is_drawn_and_distinct) {
  std::set<std::vector<bool>> seen;
  for (char c = '!'; c <= '~'; ++c) {
    std::vector<bool> bits;
    for (int y = 0; y < 7; ++y)
      for (int x = 0; x < 5; ++x) bits.push_back(viz::font::glyph_pixel(c, x, y));
    BOOST_TEST_CONTEXT("glyph '" << c << "'") {
      BOOST_TEST(std::count(bits.begin(), bits.end(), true) > 0);
      BOOST_TEST(seen.insert(bits).second);
    }
  }
}

BOOST_AUTO_TEST_CASE(unprintable_characters_draw_as_question_mark) {
  for (int x = 0; x < 5; ++x)
    for (int y = 0; y < 7; ++y) {
      BOOST_TEST(viz::font::glyph_pixel('\t', x, y) == viz::font::glyph_pixel('?', x, y));
      BOOST_TEST(viz::font::glyph_pixel(static_cast<char>(0xE9), x, y) == viz::font::glyph_pixel('?', x, y));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(canvas)

BOOST_AUTO_TEST_CASE(fill_rect_is_clipped_and_stroke_draws_only_the_border) {
  viz::Canvas c(4, 3, viz::colors::black);
  c.fill_rect(2, 1, 10, 10, viz::colors::red);
  BOOST_TEST((c.pixel(3, 2) == viz::colors::red));
  BOOST_TEST((c.pixel(2, 1) == viz::colors::red));
  BOOST_TEST((c.pixel(1, 1) == viz::colors::black));
  BOOST_TEST((c.pixel(3, 0) == viz::colors::black));
  c.stroke_rect(0, 0, 4, 3, viz::colors::white);
  BOOST_TEST((c.pixel(0, 0) == viz::colors::white));
  BOOST_TEST((c.pixel(3, 2) == viz::colors::white));
  BOOST_TEST((c.pixel(1, 1) == viz::colors::black));
  expect_error<xg::IndexError>([&] { c.pixel(4, 0); }, {"(4, 0)", "4 x 3"});
  expect_error<xg::ValueError>([] { viz::Canvas(0, 3); }, {"positive", "0 x 3"});
}

BOOST_AUTO_TEST_CASE(blit_gray_scales_each_pixel_to_a_block) {
  viz::Canvas c(6, 4);
  c.blit_gray(1, 0, {10, 20, 30, 40}, 2, 2, 2);
  BOOST_TEST((c.pixel(1, 0) == viz::Rgb{10, 10, 10}));
  BOOST_TEST((c.pixel(2, 1) == viz::Rgb{10, 10, 10}));
  BOOST_TEST((c.pixel(3, 0) == viz::Rgb{20, 20, 20}));
  BOOST_TEST((c.pixel(4, 3) == viz::Rgb{40, 40, 40}));
  BOOST_TEST((c.pixel(2, 2) == viz::Rgb{30, 30, 30}));
  BOOST_TEST((c.pixel(0, 0) == viz::colors::white));
  BOOST_TEST((c.pixel(5, 0) == viz::colors::white));
  expect_error<xg::ValueError>([&] { c.blit_gray(0, 0, {1, 2, 3}, 2, 2); }, {"2 x 2", "needs 4 bytes", "got 3"});
}

BOOST_AUTO_TEST_CASE(draw_text_inks_exactly_the_glyph_pixels) {
  viz::Canvas c(40, 20);
  c.draw_text(1, 2, "7:", viz::colors::red, 2);
  int expected = 0;
  for (char ch : std::string("7:"))
    for (int x = 0; x < 5; ++x)
      for (int y = 0; y < 7; ++y) expected += viz::font::glyph_pixel(ch, x, y) ? 4 : 0;
  int red = 0;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 40; ++x) red += c.pixel(x, y) == viz::colors::red ? 1 : 0;
  BOOST_TEST(red == expected);
  // The top row of '7' is ink: font pixel (0, 0) covers canvas (1..2, 2..3).
  BOOST_TEST((c.pixel(1, 2) == viz::colors::red));
  BOOST_TEST((c.pixel(2, 3) == viz::colors::red));
}

BOOST_AUTO_TEST_CASE(vertical_text_reads_bottom_to_top) {
  // '.' inks font columns 1-2 of rows 5-6. Turned counter-clockwise, font row r becomes canvas
  // column r and font column c becomes canvas row (5 - 1 - c) inside the 7 x 5 box.
  viz::Canvas c(7, 5);
  c.draw_text_vertical(0, 0, ".", viz::colors::black);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x)
      BOOST_TEST_CONTEXT("(" << x << ", " << y << ")") {
        BOOST_TEST((c.pixel(x, y) == viz::colors::black) == (x >= 5 && (y == 2 || y == 3)));
      }
  // The first character of a longer text sits at the bottom.
  viz::Canvas d(7, 11);
  d.draw_text_vertical(0, 0, "-.", viz::colors::black);
  BOOST_TEST((d.pixel(3, 10) == viz::colors::black));  // '-' is the bottom glyph
  BOOST_TEST((d.pixel(3, 6) == viz::colors::black));
  BOOST_TEST((d.pixel(3, 5) == viz::colors::white));   // the blank column between the glyphs
  BOOST_TEST((d.pixel(5, 2) == viz::colors::black));   // '.' above it
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(image_grid)

BOOST_AUTO_TEST_CASE(grid_dimensions_follow_count_and_columns) {
  TempDir dir;
  const auto l = viz::image_grid_layout(23, 28, 28, 0, {.columns = 10, .scale = 2});
  BOOST_TEST(l.rows == 3);
  BOOST_TEST(l.columns == 10);
  BOOST_TEST(l.image_width == 56);
  BOOST_TEST(l.image_height == 56);
  BOOST_TEST(l.width >= 10 * 56);
  BOOST_TEST(l.height >= 3 * 56);
  viz::save_image_grid(xg::zeros({23, 28, 28}), dir.file("g.png"), {.columns = 10, .scale = 2});
  const DecodedPng png = decode_file(dir.file("g.png"));
  BOOST_TEST(png.width == l.width);
  BOOST_TEST(png.height == l.height);
  BOOST_TEST(png.color_type == 2);

  // Fewer images than columns: one row, as many columns as images; a scale of 3 grows the cells.
  const auto few = viz::image_grid_layout(4, 28, 28, 0, {.columns = 10, .scale = 3});
  BOOST_TEST(few.rows == 1);
  BOOST_TEST(few.columns == 4);
  BOOST_TEST(few.cell_width == l.cell_width + 28);
  // Cells tile the grid: cell 13 is in row 1, column 3.
  BOOST_TEST(l.cell_x(13) == l.origin_x + 3 * l.cell_width);
  BOOST_TEST(l.cell_y(13) == l.origin_y + l.cell_height);
  // Captions add a text line below each image.
  const auto captioned = viz::image_grid_layout(23, 28, 28, 7, {.columns = 10, .scale = 2});
  BOOST_TEST(captioned.cell_height == l.cell_height + 3 + viz::font::text_height(captioned.font_scale));
  expect_error<xg::ValueError>([] { viz::image_grid_layout(200000, 28, 28, 7, {.columns = 1, .scale = 4}); },
                               {"more than the 2^28"});
}

BOOST_AUTO_TEST_CASE(automatic_caption_font_fits_the_image) {
  // "p:7 t:7" is 41 pixels wide at font scale 1.
  BOOST_TEST(viz::image_grid_layout(5, 28, 28, 7, {.scale = 2}).font_scale == 1);  // 56 px image
  BOOST_TEST(viz::image_grid_layout(5, 28, 28, 7, {.scale = 3}).font_scale == 2);  // 84 px image
  BOOST_TEST(viz::image_grid_layout(5, 28, 28, 7, {.scale = 4}).font_scale == 2);  // 112 px: 3 would need 123
  BOOST_TEST(viz::image_grid_layout(5, 28, 28, 3, {.scale = 1}).font_scale == 1);  // "p:7" fits, capped at scale
  // A caption wider than the image widens the cell.
  const auto wide = viz::image_grid_layout(5, 4, 4, 7, {.scale = 1});
  BOOST_TEST(wide.cell_width == 41 + 12);  // caption plus 6 pixels of padding each side
  BOOST_TEST(viz::image_grid_layout(5, 28, 28, 7, {.scale = 2, .font_scale = 3}).font_scale == 3);
}

BOOST_AUTO_TEST_CASE(image_pixels_are_drawn_scaled_and_clamped) {
  // Image 0 all 1 (white), image 1 all -3 (clamped to black), image 2 all 0.5, image 3 NaN (black),
  // given as [N, 1, H, W].
  const xg::Tensor images = flat_images({1.0f, -3.0f, 0.5f, std::numeric_limits<float>::quiet_NaN()}).reshape({4, 1, 28, 28});
  const viz::Canvas c = viz::draw_image_grid(images, {.columns = 2, .scale = 2});
  const auto l = viz::image_grid_layout(4, 28, 28, 0, {.columns = 2, .scale = 2});
  BOOST_REQUIRE(c.width() == l.width);
  const std::vector<std::uint8_t> expected = {255, 0, 128, 0};
  for (int i = 0; i < 4; ++i)
    BOOST_TEST_CONTEXT("image " << i) {
      const int x = l.cell_x(i) + l.image_x, y = l.cell_y(i) + l.image_y;
      const std::uint8_t v = expected[static_cast<std::size_t>(i)];
      BOOST_TEST((c.pixel(x, y) == viz::Rgb{v, v, v}));
      BOOST_TEST((c.pixel(x + 55, y + 55) == viz::Rgb{v, v, v}));
      BOOST_TEST((c.pixel(x - 1, y) == viz::colors::white));  // the page around the image
      BOOST_TEST((c.pixel(x + 56, y + 56) == viz::colors::white));
    }
}

BOOST_AUTO_TEST_CASE(flat_images_are_reshaped_to_squares) {
  const viz::Canvas c = viz::draw_image_grid(xg::ones({3, 16}), {.columns = 3, .scale = 1});
  const auto l = viz::image_grid_layout(3, 4, 4, 0, {.columns = 3, .scale = 1});
  BOOST_TEST(c.width() == l.width);
  BOOST_TEST(c.height() == l.height);
  BOOST_TEST((c.pixel(l.cell_x(2) + l.image_x + 3, l.cell_y(2) + l.image_y + 3) == viz::colors::white));
}

BOOST_AUTO_TEST_CASE(wrong_prediction_caption_is_red) {
  TempDir dir;
  const xg::Tensor predicted = xg::from_vector(std::vector<std::int64_t>{1, 2, 3}, {3});
  const xg::Tensor labels = xg::from_vector(std::vector<std::int64_t>{1, 5, 3}, {3});
  viz::save_image_grid(flat_images({0.2f, 0.4f, 0.6f}), dir.file("p.png"),
                       {.columns = 3, .predicted = predicted, .labels = labels, .title = "test"});
  const DecodedPng png = decode_file(dir.file("p.png"));
  const auto l = viz::image_grid_layout(3, 28, 28, 7, {.columns = 3, .title = "test"});
  BOOST_REQUIRE(png.width == l.width);
  BOOST_REQUIRE(png.height == l.height);
  const int caption_h = viz::font::text_height(l.font_scale);
  for (int i = 0; i < 3; ++i)
    BOOST_TEST_CONTEXT("cell " << i) {
      const int x = l.cell_x(i), y = l.cell_y(i) + l.caption_y;
      const int red = count_color(png, x, y, x + l.cell_width, y + caption_h, viz::colors::red);
      const int dark = count_color(png, x, y, x + l.cell_width, y + caption_h, viz::colors::dark_gray);
      if (i == 1) {
        BOOST_TEST(red > 20);
        BOOST_TEST(dark == 0);
      } else {
        BOOST_TEST(red == 0);
        BOOST_TEST(dark > 20);
      }
    }
  // The wrong prediction's image is framed in red, the right ones are not.
  BOOST_TEST(count_color(png, l.cell_x(1), l.cell_y(1), l.cell_x(1) + l.cell_width, l.cell_y(1) + l.caption_y,
                         viz::colors::red) > 4 * 56);
  BOOST_TEST(count_color(png, l.cell_x(0), l.cell_y(0), l.cell_x(0) + l.cell_width, l.cell_y(0) + l.caption_y,
                         viz::colors::red) == 0);
}

BOOST_AUTO_TEST_CASE(predicted_scores_and_one_hot_labels_use_the_arg_max) {
  // Scores pick classes 0 and 2; one-hot labels say 0 and 1: the second image is wrong.
  const xg::Tensor scores = xg::tensor({{0.7, 0.2, 0.1}, {0.1, 0.3, 0.6}});
  const xg::Tensor one_hot = xg::tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}});
  const viz::Canvas c = viz::draw_image_grid(flat_images({0.0f, 0.0f}), {.predicted = scores, .labels = one_hot});
  const auto l = viz::image_grid_layout(2, 28, 28, 7, {});
  const DecodedPng png = decode_png(viz::encode_png(c.width(), c.height(), 3, c.pixels()));
  const int h = viz::font::text_height(l.font_scale);
  BOOST_TEST(count_color(png, l.cell_x(0), l.cell_y(0) + l.caption_y, l.cell_x(0) + l.cell_width,
                         l.cell_y(0) + l.caption_y + h, viz::colors::red) == 0);
  BOOST_TEST(count_color(png, l.cell_x(1), l.cell_y(1) + l.caption_y, l.cell_x(1) + l.cell_width,
                         l.cell_y(1) + l.caption_y + h, viz::colors::red) > 20);
}

BOOST_AUTO_TEST_CASE(image_grid_errors) {
  TempDir dir;
  const xg::Tensor images = flat_images({0.1f, 0.2f, 0.3f});
  const xg::Tensor two = xg::from_vector(std::vector<std::int64_t>{1, 2}, {2});
  expect_error<xg::ShapeError>([&] { viz::draw_image_grid(images, {.labels = two}); },
                               {"'labels'", "has 2 entries", "expected 3"});
  expect_error<xg::ShapeError>([&] { viz::draw_image_grid(images, {.predicted = two}); },
                               {"'predicted'", "has 2 entries", "expected 3"});
  expect_error<xg::ShapeError>([&] { viz::draw_image_grid(xg::zeros({2, 3, 28, 28})); },
                               {"[N, H, W], [N, 1, H, W] or [N, H*W]", "[2, 3, 28, 28]"});
  expect_error<xg::ShapeError>([&] { viz::draw_image_grid(xg::zeros({2, 10})); }, {"[2, 10]", "10 is not a square"});
  expect_error<xg::ShapeError>([&] { viz::draw_image_grid(xg::zeros({784})); }, {"[784]"});
  expect_error<xg::ValueError>([&] { viz::draw_image_grid(xg::zeros({0, 28, 28})); }, {"no images", "[0, 28, 28]"});
  expect_error<xg::DtypeError>([&] { viz::draw_image_grid(xg::zeros({1, 28, 28}, {.dtype = xg::Dtype::Int64})); },
                               {"float32 or float64", "int64"});
  expect_error<xg::ValueError>([&] { viz::draw_image_grid(images, {.columns = 0}); }, {"columns", "got 0"});
  expect_error<xg::ValueError>([&] { viz::draw_image_grid(images, {.scale = 0}); }, {"scale", "got 0"});
  expect_error<xg::ValueError>(
      [&] { viz::draw_image_grid(images, {.labels = xg::tensor({1.0, 2.5, 3.0})}); },
      {"'labels' entry 1", "integral class index"});
  expect_error<xg::ValueError>([&] { viz::save_image_grid(images, dir.file("grid.jpg")); },
                               {"save_image_grid", "grid.jpg", "unknown extension '.jpg'", "expected .png"});
  BOOST_TEST(dir.entry_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(confusion_matrix)

BOOST_AUTO_TEST_CASE(writes_a_valid_heat_map) {
  TempDir dir;
  // Class 0 all right (darkest blue), class 1 half wrong, class 2 never seen.
  const xg::Tensor counts = xg::from_vector(std::vector<std::int64_t>{50, 0, 0, 5, 5, 0, 0, 0, 0}, {3, 3});
  viz::save_confusion_matrix(counts, dir.file("cm.png"));
  const DecodedPng png = decode_file(dir.file("cm.png"));
  const viz::Canvas c = viz::draw_confusion_matrix(counts);
  BOOST_TEST(png.width == c.width());
  BOOST_TEST(png.height == c.height());
  BOOST_TEST(png.pixels == c.pixels());
  BOOST_TEST(png.color_type == 2);
  // Three cells at fraction 0 are shaded white-blue, one at 1 is the darkest blue, two at 0.5 the middle.
  BOOST_TEST(count_color(png, 0, 0, png.width, png.height, {8, 48, 107}) > 100);
  BOOST_TEST(count_color(png, 0, 0, png.width, png.height, {107, 174, 214}) > 100);
  BOOST_TEST(count_color(png, 0, 0, png.width, png.height, {247, 251, 255}) > 100);
  // Longer class names widen the cells (and the row-label margin).
  const viz::Canvas plain = viz::draw_confusion_matrix(counts, {.title = ""});
  const viz::Canvas named = viz::draw_confusion_matrix(counts, {.class_names = {"cat", "dog", "bird"}, .title = ""});
  BOOST_TEST(named.width() > plain.width());
  BOOST_TEST(named.height() > plain.height());
}

BOOST_AUTO_TEST_CASE(confusion_matrix_errors) {
  TempDir dir;
  const xg::Tensor counts = xg::from_vector(std::vector<std::int64_t>{1, 2, 3, 4}, {2, 2});
  expect_error<xg::ShapeError>([&] { viz::draw_confusion_matrix(xg::zeros({2, 3}, {.dtype = xg::Dtype::Int64})); },
                               {"square [C, C]", "[2, 3]"});
  expect_error<xg::ShapeError>([&] { viz::draw_confusion_matrix(xg::zeros({4}, {.dtype = xg::Dtype::Int64})); },
                               {"[4]"});
  expect_error<xg::DtypeError>([&] { viz::draw_confusion_matrix(xg::zeros({2, 2})); }, {"int64", "float32"});
  expect_error<xg::ValueError>([&] { viz::draw_confusion_matrix(counts, {.class_names = {"a", "b", "c"}}); },
                               {"3 class_names", "2 classes"});
  expect_error<xg::ValueError>(
      [&] { viz::draw_confusion_matrix(xg::from_vector(std::vector<std::int64_t>{1, -2, 3, 4}, {2, 2})); },
      {"[0, 1]", "-2", "non-negative"});
  expect_error<xg::ValueError>([&] { viz::save_confusion_matrix(counts, dir.file("cm.svg")); },
                               {"save_confusion_matrix", "cm.svg", "expected .png"});
  BOOST_TEST(dir.entry_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
