#pragma once
// Option types shared by the Keras-style spatial layers (Conv2d, MaxPool2d, AvgPool2d):
//   Size2    one number for both axes or {height, width}:   .kernel_size = 5, .stride = {2, 1}
//   Padding  "valid" | "same" | an int | {ph, pw}:          .padding = "same", .padding = 1
//   data_format "channels_first" (NCHW) | "channels_last" (NHWC), parsed by parse_data_format.
// Padding::resolve turns a mode into explicit (top, bottom, left, right) pads for a given input:
// 'same' follows TensorFlow (output = ceil(input / stride), the odd pad goes to the bottom/right).
#include <xgrad/autograd/ops/conv.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

namespace xg::nn {

/// A {height, width} pair of a 2-d window parameter; one number sets both.
struct Size2 {
  std::int64_t h, w;
  Size2(std::int64_t s) : h(s), w(s) {}  // NOLINT: implicit by design
  Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  /// As the ops' {height, width} pair.
  Size2d pair() const { return {h, w}; }
  /// "(5, 3)".
  std::string str() const;
  bool operator==(const Size2&) const = default;
};

/// Spatial zero padding of a layer: Keras' "valid" (none) or "same" (output = ceil(input /
/// stride)), or PyTorch's explicit symmetric padding (an int for both axes, or {ph, pw}).
struct Padding {
  enum class Mode { Valid, Same, Explicit };

  /// "valid" or "same" (case-insensitive); anything else throws ValueError listing the valid values.
  Padding(const char* name);         // NOLINT: implicit by design
  Padding(const std::string& name);  // NOLINT
  /// `p` zeros on every side (p >= 0, else ValueError).
  template <std::integral I> Padding(I p) : Padding(static_cast<std::int64_t>(p), static_cast<std::int64_t>(p)) {}
  /// ph zeros above and below, pw left and right.
  Padding(std::int64_t ph, std::int64_t pw);

  Mode mode = Mode::Valid;
  std::int64_t h = 0, w = 0;  ///< explicit pads (Mode::Explicit only)

  /// Explicit (top, bottom, left, right) pads for an input of in_h x in_w: zeros for 'valid',
  /// {h, h, w, w} for explicit padding, and for 'same' on each axis
  /// total = max((ceil(in / stride) - 1) * stride + dilation * (kernel - 1) + 1 - in, 0),
  /// with total / 2 before and the rest after.
  Pads2d resolve(std::int64_t in_h, std::int64_t in_w, Size2 kernel, Size2 stride, Size2 dilation = 1) const;
  /// "valid", "same" or "(1, 2)".
  std::string str() const;
};

/// Accepted Padding mode names.
std::vector<std::string> padding_names();

enum class DataFormat { ChannelsFirst, ChannelsLast };
/// "channels_first" (NCHW, the default) or "channels_last" (NHWC, Keras' default); anything else
/// throws ValueError naming `owner` and listing both.
DataFormat parse_data_format(const std::string& name, const std::string& owner);
/// The name of a format ("channels_first" / "channels_last").
std::string data_format_name(DataFormat format);

}  // namespace xg::nn
