#pragma once
// Pictures of image-classification results: a grid of small images captioned with predicted and
// true classes ("p:7 t:7", in red when they differ), and a confusion matrix drawn as a heat map.
//
//   auto [train, test] = xg::datasets::mnist();
//   xg::Tensor first = xg::slice(test.images, 0, 0, 40);
//   xg::Tensor probs = model.predict(xg::datasets::flatten_images(first));
//   xg::viz::save_image_grid(first, "predictions.png",
//                            {.predicted = probs, .labels = xg::slice(test.labels, 0, 0, 40)});
//   xg::viz::save_confusion_matrix(xg::nn::confusion_matrix(all_probs, test.labels, 10), "confusion.png");
//
// Both write RGB PNG files (viz/png.hpp) atomically; only the ".png" extension is accepted.
#include <xgrad/core/tensor.hpp>
#include <xgrad/viz/png.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xg::viz {

struct ImageGridOptions {
  /// Images per row (fewer when there are fewer images).
  int columns = 10;
  /// Each image pixel is drawn as a scale x scale block.
  int scale = 2;
  /// Predicted classes: int64 [N] indices, or scores / probabilities [N, C] (arg-max per row).
  std::optional<Tensor> predicted;
  /// True classes: int64 [N] indices, or one-hot [N, C] (arg-max per row).
  std::optional<Tensor> labels;
  /// Line of text above the grid (none when empty).
  std::string title;
  /// Scale of the caption font (5x7 pixels at 1); 0 picks the largest scale, at most `scale`,
  /// at which the longest caption is no wider than an image (at least 1).
  int font_scale = 0;
};

/// Where things go in an image grid; every value in pixels of the picture.
struct ImageGridLayout {
  int rows = 0;
  int columns = 0;
  /// Size of one cell (image, caption and padding).
  int cell_width = 0;
  int cell_height = 0;
  /// Size of the whole picture.
  int width = 0;
  int height = 0;
  /// Top-left corner of cell 0; cell i is at column i % columns, row i / columns.
  int origin_x = 0;
  int origin_y = 0;
  /// Offset of the image inside its cell, and the image's drawn size.
  int image_x = 0;
  int image_y = 0;
  int image_width = 0;
  int image_height = 0;
  /// Offset of the caption's top inside a cell (-1 without captions) and the caption font scale.
  int caption_y = -1;
  int font_scale = 1;

  /// Left edge of cell i.
  int cell_x(std::int64_t i) const { return origin_x + static_cast<int>(i % columns) * cell_width; }
  /// Top edge of cell i.
  int cell_y(std::int64_t i) const { return origin_y + static_cast<int>(i / columns) * cell_height; }
};

/// The layout save_image_grid uses for `count` images of image_height x image_width pixels.
/// `max_caption_chars` is the length of the longest caption (0: no captions). Throws ValueError for
/// count < 1, columns < 1, scale outside [1, 64], font_scale outside [0, 16], an image side outside
/// [1, 4096], or a picture of more than 2^28 pixels.
ImageGridLayout image_grid_layout(std::int64_t count, int image_height, int image_width, int max_caption_chars,
                                  const ImageGridOptions& options = {});

/// Draws the grid: `images` is [N, H, W], [N, 1, H, W] or [N, H*W] (square images) of float32 or
/// float64 values in [0, 1] (clamped; NaN shows as 0), 0 drawn black and 1 white. Each image is
/// captioned "p:<predicted> t:<true>" (or just one of them, or nothing, by what is given); the
/// caption of a wrong prediction is red and its image gets a red frame. Throws ShapeError for a
/// wrong images shape or a predicted / labels count that is not N, DtypeError for int64 images,
/// ValueError for bad options or non-integral class indices.
Canvas draw_image_grid(const Tensor& images, const ImageGridOptions& options = {});

/// draw_image_grid(...) written to `path` (".png" only, else ValueError) as an RGB PNG.
void save_image_grid(const Tensor& images, const std::string& path, const ImageGridOptions& options = {});

struct ConfusionMatrixOptions {
  /// Row and column labels, one per class; empty: "0", "1", ...
  std::vector<std::string> class_names;
  /// Line of text above the matrix (none when empty).
  std::string title = "confusion matrix";
  /// Append " (accuracy 97.81%)" — the diagonal over the total — to the title.
  bool show_accuracy = true;
  /// Scale of the font of counts and labels (5x7 pixels at 1).
  int font_scale = 2;
};

/// Draws `counts` (int64 [C, C], counts[t][p] = samples of true class t predicted as p, as
/// nn::confusion_matrix returns): one square cell per entry holding its count, shaded from white
/// (none of the row) to dark blue (the whole row, i.e. the fraction of true class t), with class
/// labels along both axes ("true" rows, "predicted" columns). Throws ShapeError unless counts is
/// [C, C] with C >= 1, DtypeError unless it is int64, ValueError for negative counts, a
/// class_names count other than C, or a font_scale below 1.
Canvas draw_confusion_matrix(const Tensor& counts, const ConfusionMatrixOptions& options = {});

/// draw_confusion_matrix(...) written to `path` (".png" only, else ValueError) as an RGB PNG.
void save_confusion_matrix(const Tensor& counts, const std::string& path, const ConfusionMatrixOptions& options = {});

}  // namespace xg::viz
