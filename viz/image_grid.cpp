// Image grids with prediction captions and confusion-matrix heat maps, drawn on a Canvas with the
// built-in bitmap font and written as PNG.
#include <xgrad/viz/image_grid.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/core/shape.hpp>
#include <xgrad/viz/bitmap_font.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

namespace xg::viz {
namespace {

constexpr int kMargin = 8;       // around the whole picture
constexpr int kCellPad = 6;      // around the contents of a grid cell
constexpr int kCaptionGap = 3;   // between an image and its caption
constexpr int kFrame = 2;        // red frame around a wrongly predicted image (inside the padding)
constexpr std::int64_t kMaxPixels = std::int64_t{1} << 28;

void require_png_path(const std::string& path, const char* who) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext != ".png")
    throw ValueError(std::string(who) + ": cannot write '" + path + "': unknown extension '" +
                     std::filesystem::path(path).extension().string() + "' (expected .png)");
}

/// Throws when a picture of width x height (computed in 64 bits) would not fit a Canvas.
void require_canvas_size(std::int64_t width, std::int64_t height, const char* who) {
  if (width > std::numeric_limits<int>::max() || height > std::numeric_limits<int>::max() ||
      width * height > kMaxPixels)
    throw ValueError(std::string(who) + ": the picture would be " + std::to_string(width) + " x " +
                     std::to_string(height) + " pixels, more than the 2^28 a canvas holds; draw fewer items");
}

// ---- image grid --------------------------------------------------------------------------------

struct Images {
  std::int64_t count = 0;
  int height = 0;
  int width = 0;
};

/// The count and size of the images (their values are read once the layout is known to fit).
Images read_images(const Tensor& images) {
  if (!images.defined()) throw ValueError("image grid: 'images' is an undefined tensor");
  if (images.dtype() == Dtype::Int64)
    throw DtypeError("image grid: 'images' must be float32 or float64 with values in [0, 1], got int64");
  const Shape& s = images.shape();
  const std::string expected = "expected [N, H, W], [N, 1, H, W] or [N, H*W] with square images, got " + shape_str(s);
  Images out;
  if (s.size() == 2) {
    const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(s[1]))));
    if (side < 1 || side * side != s[1]) throw ShapeError("image grid: 'images' " + expected + " (" +
                                                          std::to_string(s[1]) + " is not a square number)");
    out.height = out.width = static_cast<int>(side);
  } else if (s.size() == 3 || (s.size() == 4 && s[1] == 1)) {
    const std::int64_t h = s[s.size() - 2], w = s[s.size() - 1];
    if (h < 1 || w < 1 || h > 4096 || w > 4096)
      throw ShapeError("image grid: 'images' " + expected + " (each side must be in [1, 4096])");
    out.height = static_cast<int>(h);
    out.width = static_cast<int>(w);
  } else {
    throw ShapeError("image grid: 'images' " + expected);
  }
  out.count = s[0];
  if (out.count < 1) throw ValueError("image grid: 'images' holds no images (shape " + shape_str(s) + ")");
  return out;
}

/// One class index per image from int64 [N] indices or [N, C] scores (arg-max per row).
std::vector<std::int64_t> read_classes(const Tensor& t, const char* what, std::int64_t count) {
  const std::string where = std::string("image grid: '") + what + "'";
  if (!t.defined()) throw ValueError(where + " is an undefined tensor");
  if (t.dim() != 1 && t.dim() != 2)
    throw ShapeError(where + " must be class indices [N] or scores [N, C] with N = " + std::to_string(count) +
                     ", got " + shape_str(t.shape()));
  if (t.size(0) != count)
    throw ShapeError(where + " has " + std::to_string(t.size(0)) + " entries (shape " + shape_str(t.shape()) +
                     "), expected " + std::to_string(count) + ", one per image");
  std::vector<std::int64_t> classes(static_cast<std::size_t>(count));
  if (t.dim() == 1) {
    if (t.dtype() == Dtype::Int64) return t.to_vector<std::int64_t>();
    const auto v = t.to_vector<double>();
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i]) || v[i] != std::floor(v[i]))
        throw ValueError(where + " entry " + std::to_string(i) + " is " + std::to_string(v[i]) +
                         ", expected an integral class index");
      classes[i] = static_cast<std::int64_t>(v[i]);
    }
    return classes;
  }
  const std::int64_t c = t.size(1);
  if (c < 1) throw ShapeError(where + " has no classes (shape " + shape_str(t.shape()) + ")");
  const auto v = t.to_vector<double>();
  for (std::int64_t i = 0; i < count; ++i) {
    const auto row = v.begin() + i * c;
    classes[static_cast<std::size_t>(i)] = std::max_element(row, row + c) - row;
  }
  return classes;
}

std::uint8_t to_gray(double v) {
  if (!(v > 0.0)) return 0;  // also NaN
  if (v >= 1.0) return 255;
  return static_cast<std::uint8_t>(std::lround(v * 255.0));
}

// ---- confusion matrix --------------------------------------------------------------------------

/// White -> mid blue -> dark blue (the "Blues" colour map) at t in [0, 1].
Rgb blues(double t) {
  constexpr Rgb stops[3] = {{247, 251, 255}, {107, 174, 214}, {8, 48, 107}};
  t = std::clamp(t, 0.0, 1.0) * 2.0;
  const int i = t >= 1.0 ? 1 : 0;
  const double f = t - i;
  auto mix = [f](std::uint8_t a, std::uint8_t b) {
    return static_cast<std::uint8_t>(std::lround(a + (static_cast<double>(b) - a) * f));
  };
  return {mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b)};
}

int max_text_width(const std::vector<std::string>& texts, int scale) {
  int w = 0;
  for (const auto& t : texts) w = std::max(w, font::text_width(t, scale));
  return w;
}

}  // namespace

ImageGridLayout image_grid_layout(std::int64_t count, int image_height, int image_width, int max_caption_chars,
                                  const ImageGridOptions& options) {
  if (count < 1) throw ValueError("image grid: need at least one image, got " + std::to_string(count));
  if (options.columns < 1)
    throw ValueError("image grid: columns must be at least 1, got " + std::to_string(options.columns));
  if (options.scale < 1 || options.scale > 64)
    throw ValueError("image grid: scale must be in [1, 64], got " + std::to_string(options.scale));
  if (options.font_scale < 0 || options.font_scale > 16)
    throw ValueError("image grid: font_scale must be in [0, 16] (0 = automatic), got " +
                     std::to_string(options.font_scale));
  if (max_caption_chars < 0 || max_caption_chars > 1000)
    throw ValueError("image grid: captions must have 0 to 1000 characters, got " + std::to_string(max_caption_chars));
  if (image_height < 1 || image_width < 1 || image_height > 4096 || image_width > 4096)
    throw ValueError("image grid: each image side must be in [1, 4096], got " + std::to_string(image_height) + " x " +
                     std::to_string(image_width));
  ImageGridLayout l;
  l.columns = static_cast<int>(std::min<std::int64_t>(options.columns, count));
  const std::int64_t rows = (count + l.columns - 1) / l.columns;
  l.image_width = image_width * options.scale;
  l.image_height = image_height * options.scale;
  const bool captions = max_caption_chars > 0;
  // Width of the longest caption at font scale 1 (characters are all the same width).
  const int caption_width_1 = captions ? max_caption_chars * font::advance - 1 : 1;
  // Automatic: the largest font, at most `scale`, whose caption is no wider than the image.
  l.font_scale = options.font_scale > 0 ? options.font_scale
                                        : std::clamp(l.image_width / caption_width_1, 1, options.scale);
  const int caption_width = captions ? caption_width_1 * l.font_scale : 0;
  l.cell_width = std::max(l.image_width, caption_width) + 2 * kCellPad;
  l.cell_height = l.image_height + 2 * kCellPad + (captions ? kCaptionGap + font::text_height(l.font_scale) : 0);
  l.image_x = (l.cell_width - l.image_width) / 2;
  l.image_y = kCellPad;
  l.caption_y = captions ? kCellPad + l.image_height + kCaptionGap : -1;

  const int title_scale = l.font_scale + 1;
  const int title_height = options.title.empty() ? 0 : font::text_height(title_scale) + kMargin;
  const std::int64_t grid_width = static_cast<std::int64_t>(l.columns) * l.cell_width;
  const std::int64_t width = std::max<std::int64_t>(grid_width, font::text_width(options.title, title_scale)) + 2 * kMargin;
  const std::int64_t height = kMargin + title_height + rows * l.cell_height + kMargin;
  require_canvas_size(width, height, "image grid");
  l.rows = static_cast<int>(rows);
  l.width = static_cast<int>(width);
  l.height = static_cast<int>(height);
  l.origin_x = static_cast<int>((width - grid_width) / 2);
  l.origin_y = kMargin + title_height;
  return l;
}

Canvas draw_image_grid(const Tensor& images, const ImageGridOptions& options) {
  const Images data = read_images(images);
  std::vector<std::int64_t> predicted, labels;
  if (options.predicted) predicted = read_classes(*options.predicted, "predicted", data.count);
  if (options.labels) labels = read_classes(*options.labels, "labels", data.count);

  std::vector<std::string> captions(static_cast<std::size_t>(data.count));
  std::size_t longest = 0;
  for (std::size_t i = 0; i < captions.size(); ++i) {
    if (!predicted.empty()) captions[i] = "p:" + std::to_string(predicted[i]);
    if (!labels.empty()) captions[i] += (predicted.empty() ? "t:" : " t:") + std::to_string(labels[i]);
    longest = std::max(longest, captions[i].size());
  }
  const ImageGridLayout l = image_grid_layout(data.count, data.height, data.width, static_cast<int>(longest), options);

  const std::vector<double> values = images.to_vector<double>();
  Canvas canvas(l.width, l.height, colors::white);
  if (!options.title.empty()) {
    const int title_scale = l.font_scale + 1;
    canvas.draw_text((l.width - font::text_width(options.title, title_scale)) / 2, kMargin, options.title,
                     colors::dark_gray, title_scale);
  }
  const std::size_t pixels_per_image = static_cast<std::size_t>(data.height) * static_cast<std::size_t>(data.width);
  std::vector<std::uint8_t> gray(pixels_per_image);
  for (std::int64_t i = 0; i < data.count; ++i) {
    const auto first = values.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(i) * pixels_per_image);
    std::transform(first, first + static_cast<std::ptrdiff_t>(pixels_per_image), gray.begin(), to_gray);
    const int x = l.cell_x(i), y = l.cell_y(i);
    const auto k = static_cast<std::size_t>(i);
    const bool wrong = !predicted.empty() && !labels.empty() && predicted[k] != labels[k];
    if (wrong)
      canvas.stroke_rect(x + l.image_x - kFrame, y + l.image_y - kFrame, l.image_width + 2 * kFrame,
                         l.image_height + 2 * kFrame, colors::red, kFrame);
    canvas.blit_gray(x + l.image_x, y + l.image_y, gray, data.width, data.height, options.scale);
    if (!captions[k].empty()) {
      const int text_x = x + (l.cell_width - font::text_width(captions[k], l.font_scale)) / 2;
      canvas.draw_text(text_x, y + l.caption_y, captions[k], wrong ? colors::red : colors::dark_gray, l.font_scale);
    }
  }
  return canvas;
}

void save_image_grid(const Tensor& images, const std::string& path, const ImageGridOptions& options) {
  require_png_path(path, "save_image_grid");
  draw_image_grid(images, options).save_png(path);
}

Canvas draw_confusion_matrix(const Tensor& counts, const ConfusionMatrixOptions& options) {
  const char* who = "confusion matrix";
  if (!counts.defined()) throw ValueError("confusion matrix: 'counts' is an undefined tensor");
  if (counts.dim() != 2 || counts.size(0) != counts.size(1) || counts.size(0) < 1)
    throw ShapeError("confusion matrix: 'counts' must be a square [C, C] matrix with C >= 1, got " +
                     shape_str(counts.shape()));
  if (counts.dtype() != Dtype::Int64)
    throw DtypeError("confusion matrix: 'counts' must be int64 (as nn::confusion_matrix returns), got " +
                     std::string(dtype_name(counts.dtype())));
  if (options.font_scale < 1 || options.font_scale > 16)
    throw ValueError("confusion matrix: font_scale must be in [1, 16], got " + std::to_string(options.font_scale));
  const std::int64_t c = counts.size(0);
  if (c > 1000) throw ValueError("confusion matrix: " + std::to_string(c) + " classes are too many to draw (at most 1000)");
  const auto n = static_cast<std::size_t>(c);
  if (!options.class_names.empty() && options.class_names.size() != n)
    throw ValueError("confusion matrix: " + std::to_string(options.class_names.size()) + " class_names given for " +
                     std::to_string(c) + " classes");
  const auto v = counts.to_vector<std::int64_t>();
  std::int64_t total = 0, correct = 0;
  std::vector<std::int64_t> row_total(n, 0);
  std::vector<std::string> texts(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0)
      throw ValueError("confusion matrix: count [" + std::to_string(i / n) + ", " + std::to_string(i % n) + "] is " +
                       std::to_string(v[i]) + ", expected a non-negative count");
    row_total[i / n] += v[i];
    total += v[i];
    if (i / n == i % n) correct += v[i];
    texts[i] = std::to_string(v[i]);
  }
  std::vector<std::string> names = options.class_names;
  if (names.empty())
    for (std::size_t i = 0; i < n; ++i) names.push_back(std::to_string(i));

  std::string title = options.title;
  if (options.show_accuracy && total > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "accuracy %.2f%%", 100.0 * static_cast<double>(correct) / static_cast<double>(total));
    title += title.empty() ? std::string(buf) : " (" + std::string(buf) + ")";
  }

  // Layout: title; "predicted"; column labels; then rows of [stacked "true"] [row label] [cells].
  const int fs = options.font_scale;
  const int line = font::text_height(fs);
  const int gap = 2 * fs + 2;
  const int pad = 3 * fs;
  const int cell = std::max({max_text_width(texts, fs), max_text_width(names, fs), 2 * line}) + 2 * pad;
  const int left = kMargin + line + 2 * gap + max_text_width(names, fs) + gap;
  const int title_height = title.empty() ? 0 : 2 * line;
  const int top = kMargin + title_height + 2 * (line + gap);
  const std::int64_t grid = static_cast<std::int64_t>(c) * cell;
  const std::string axis_x = "predicted", axis_y = "true";
  const int axis_y_length = font::text_width(axis_y, fs);
  const std::int64_t width = std::max<std::int64_t>(left + grid, font::text_width(title, fs) + kMargin) + kMargin;
  const std::int64_t height = top + std::max<std::int64_t>(grid, axis_y_length) + kMargin;
  require_canvas_size(width, height, who);

  Canvas canvas(static_cast<int>(width), static_cast<int>(height), colors::white);
  if (!title.empty()) canvas.draw_text(kMargin, kMargin, title, colors::dark_gray, fs);
  const int grid_px = static_cast<int>(grid);
  canvas.draw_text(left + (grid_px - font::text_width(axis_x, fs)) / 2, kMargin + title_height, axis_x,
                   colors::dark_gray, fs);
  const int column_labels_y = kMargin + title_height + line + gap;
  canvas.draw_text_vertical(kMargin, top + (grid_px - axis_y_length) / 2, axis_y, colors::dark_gray, fs);

  const Rgb zero_text{170, 170, 170};
  for (std::size_t i = 0; i < n; ++i) {
    const int pos = static_cast<int>(i) * cell;
    canvas.draw_text(left + pos + (cell - font::text_width(names[i], fs)) / 2, column_labels_y, names[i],
                     colors::dark_gray, fs);
    canvas.draw_text(left - gap - font::text_width(names[i], fs), top + pos + (cell - line) / 2, names[i],
                     colors::dark_gray, fs);
  }
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t p = 0; p < n; ++p) {
      const std::int64_t count = v[t * n + p];
      const double fraction = row_total[t] > 0 ? static_cast<double>(count) / static_cast<double>(row_total[t]) : 0.0;
      const int x = left + static_cast<int>(p) * cell, y = top + static_cast<int>(t) * cell;
      canvas.fill_rect(x, y, cell, cell, blues(fraction));
      canvas.stroke_rect(x, y, cell, cell, colors::white);
      const Rgb ink = count == 0 ? zero_text : fraction > 0.45 ? colors::white : colors::dark_gray;
      const std::string& text = texts[t * n + p];
      canvas.draw_text(x + (cell - font::text_width(text, fs)) / 2, y + (cell - line) / 2, text, ink, fs);
    }
  canvas.stroke_rect(left - 1, top - 1, grid_px + 2, grid_px + 2, colors::light_gray);
  return canvas;
}

void save_confusion_matrix(const Tensor& counts, const std::string& path, const ConfusionMatrixOptions& options) {
  require_png_path(path, "save_confusion_matrix");
  draw_confusion_matrix(counts, options).save_png(path);
}

}  // namespace xg::viz
