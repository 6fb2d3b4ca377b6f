#pragma once
// Internal 2-d convolution kernels (no autograd) on NCHW contiguous float / double tensors.
//
// conv2d is im2col + one GEMM per image: the patches of image n are unrolled into a column matrix
// col [C*kh*kw, OH*OW] (row (c, i, j) holds input pixel (c, oh*sh - pt + i*dh, ow*sw - pl + j*dw) for
// every output position, 0 in the padding), and with the weight read in place as [O, C*kh*kw],
//   forward          y_n  [O, OH*OW]     = W col_n                      (bias pre-filled, beta = 1)
//   input gradient   dx_n                = col2im(W^T g_n)              (gemm trans_a, then scatter-add)
//   weight gradient  dW   [O, C*kh*kw]   = sum_n g_n col_n^T            (gemm trans_b, accumulated)
// No transpose is ever materialized: the GEMM flags read W and col transposed in place. A 1x1
// convolution with stride 1 and no padding skips im2col (the image already is its column matrix).
//
// Work is spread over the batch with xg::parallel_for, each image's product being one serial BLAS
// call (a lone image uses xg::gemm's parallel tiles instead); each task takes its column buffer
// from the caching allocator, so steady-state steps get no fresh pages. Per-image results do not
// depend on the partition. The weight gradient is summed over the batch in fixed chunks of images (bounds
// depend only on the sizes): chunk c accumulates its images in order into its own partial buffer,
// and the partials are added in chunk order, so every result is bitwise identical at any thread
// count. Pooling reuses Conv2dGeometry (see pool.hpp).
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

#include <cstdint>

namespace xg::kernels {

/// A sliding window over the two spatial axes: kernel size, stride, zero padding on each side and
/// dilation (spacing between kernel taps; pooling uses 1).
struct Window2d {
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
};

/// Every size of one convolution (or pooling) problem: input [batch, channels, in_h, in_w],
/// weight [out_channels, channels, kernel_h, kernel_w], output [batch, out_channels, out_h, out_w]
/// with out = floor((in + pads - dilation * (kernel - 1) - 1) / stride) + 1.
struct Conv2dGeometry {
  std::int64_t batch = 0, channels = 0, in_h = 0, in_w = 0;
  std::int64_t out_channels = 0;
  Window2d window;
  std::int64_t out_h = 0, out_w = 0;

  /// Rows of the im2col matrix: channels * kernel_h * kernel_w.
  std::int64_t patch_size() const { return channels * window.kernel_h * window.kernel_w; }
  Shape input_shape() const { return {batch, channels, in_h, in_w}; }
  Shape output_shape() const { return {batch, out_channels, out_h, out_w}; }
  Shape weight_shape() const { return {out_channels, channels, window.kernel_h, window.kernel_w}; }
};

/// Validates `window` and a 4-d `input` shape and returns the geometry with `out_channels`
/// outputs. Throws naming `op` and the shapes: ShapeError for an input that is not 4-d or a
/// (dilated) window larger than the padded input, ValueError for a non-positive kernel, stride or
/// dilation or a negative padding. `what` names the window in messages ("kernel", "pool window").
Conv2dGeometry make_conv2d_geometry(const char* op, const Shape& input, std::int64_t out_channels,
                                    const Window2d& window, const char* what = "kernel");

/// Output positions [lo, hi) of [0, n) whose input position o * stride + offset lies in [0, size):
/// the part of a row of window taps that needs no bounds check (shared with pooling).
struct Span {
  std::int64_t lo, hi;
};
Span valid_span(std::int64_t offset, std::int64_t stride, std::int64_t size, std::int64_t n);

/// y = conv2d(x, weight) + bias: x [N, C, H, W], weight [O, C, kh, kw], bias [O] or undefined,
/// all of one float dtype and matching `g`; returns [N, O, OH, OW].
Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dGeometry& g,
                      Activation act = Activation::Identity);

/// The adjoint of conv2d in its input (a transposed convolution): grad [N, O, OH, OW] and weight
/// [O, C, kh, kw] give dx [N, C, H, W] = col2im(W^T grad_n) per image. Input positions no window
/// reaches get 0.
Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Conv2dGeometry& g);

/// The adjoint of conv2d in its weight: x [N, C, H, W] and grad [N, O, OH, OW] give
/// dW [O, C, kh, kw] = sum_n grad_n col_n^T, summed over the batch in a fixed order.
Tensor conv2d_backward_weight(const Tensor& x, const Tensor& grad, const Conv2dGeometry& g);

/// Both adjoints at once (either may be skipped): {dx, dW} as from conv2d_backward_input and
/// conv2d_backward_weight. The Winograd path transforms grad once for the two.
struct Conv2dGrads {
  Tensor input, weight;
};
Conv2dGrads conv2d_backward(const Tensor& x, const Tensor& grad, const Tensor& weight, const Conv2dGeometry& g,
                            bool input_grad, bool weight_grad);

}  // namespace xg::kernels
