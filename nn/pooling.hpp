#pragma once
// 2-d pooling layers with Keras' options (pool_size, strides defaulting to pool_size, padding
// 'valid' / 'same', data_format) over xg::max_pool2d / xg::avg_pool2d:
//   nn::MaxPool2d(2, {.padding = "same", .name = "pool2"})
// 'same' padding is never counted in an average (Keras); explicit padding (an int or {ph, pw},
// the PyTorch style) is counted as zeros, like PyTorch's default count_include_pad = true.
#include <xgrad/nn/layer_options.hpp>
#include <xgrad/nn/module.hpp>

#include <optional>
#include <string>

namespace xg::nn {

struct PoolOptions {
  /// Window step; defaults to pool_size (non-overlapping windows). `.stride = 2`, or
  /// `.stride = nn::Size2{2, 1}` for different steps (a std::optional takes no two-element braces).
  std::optional<Size2> stride;
  /// "valid" (default), "same", or explicit zero padding smaller than the window.
  Padding padding = "valid";
  /// "channels_first" (NCHW) or "channels_last" (NHWC).
  std::string data_format = "channels_first";
  /// Layer name; "" gives an automatic one ("max_pool2d_1").
  std::string name;
};

/// The shared part of MaxPool2d and AvgPool2d: [N, C, H, W] -> [N, C, OH, OW] (NHWC with
/// channels_last), no parameters.
class Pool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;

  Size2 pool_size() const { return pool_size_; }
  Size2 stride() const { return stride_; }
  const Padding& padding() const { return padding_; }
  DataFormat data_format() const { return format_; }

 protected:
  Pool2d(std::string type, Size2 pool_size, PoolOptions options);
  /// The pooling op on an NCHW tensor with resolved padding.
  virtual Tensor pool(const Tensor& x, Pads2d pads) const = 0;

 private:
  Size2 pool_size_, stride_;
  Padding padding_;
  DataFormat format_;
};

/// Maximum over each window (gradient to the first maximum).
class MaxPool2d : public Pool2d {
 public:
  explicit MaxPool2d(Size2 pool_size, PoolOptions options = {});

 protected:
  Tensor pool(const Tensor& x, Pads2d pads) const override;
};

/// Mean over each window.
class AvgPool2d : public Pool2d {
 public:
  explicit AvgPool2d(Size2 pool_size, PoolOptions options = {});

 protected:
  Tensor pool(const Tensor& x, Pads2d pads) const override;
};

}  // namespace xg::nn
