#pragma once
// Internal 2-d pooling kernels (no autograd) on NCHW contiguous float / double tensors.
//
// Pooling is a window over each (n, c) plane independently; the geometry is a Conv2dGeometry
// with out_channels = channels and dilation 1 (make_conv2d_geometry with what = "pool window").
// Every kernel runs parallel over planes, each plane serially by one task with vectorizable loops
// along output rows (no per-element bounds checks), so results do not depend on the thread count. Padding is never
// read: max pooling ignores it, average pooling either ignores it (count_include_pad = false,
// Keras 'same') or counts it as zeros in the divisor (PyTorch's default for explicit padding).
// The window must overlap the image at every output position, which holds when each pad is
// smaller than the window (the ops check it).
#include <xgrad/core/kernels/conv.hpp>
#include <xgrad/core/tensor.hpp>

namespace xg::kernels {

/// Max pooling output and, for the backward pass, the position of each maximum.
struct MaxPoolResult {
  Tensor values;   ///< [N, C, OH, OW]
  Tensor indices;  ///< int64 [N, C, OH, OW]: ih * W + iw of the maximum within its plane
};

/// out[n, c, oh, ow] = max of x[n, c] over the window at (oh, ow); ties pick the first position
/// in row-major window order, and a NaN in the window wins (it propagates).
MaxPoolResult max_pool2d(const Tensor& x, const Conv2dGeometry& g);

/// dx [N, C, H, W] (input_shape) = zeros, then dx[n, c].flat[indices[n, c, o]] += grad[n, c, o]
/// for every output o in order: the adjoint of max_pool2d_gather.
Tensor max_pool2d_scatter(const Tensor& grad, const Tensor& indices, const Shape& input_shape);

/// out [N, C, OH, OW] = x[n, c].flat[indices[n, c, o]]: the adjoint of max_pool2d_scatter.
Tensor max_pool2d_gather(const Tensor& x, const Tensor& indices);

/// out = sum of the window / divisor, divisor = kernel_h * kernel_w when count_include_pad, else
/// the number of window positions inside the image.
Tensor avg_pool2d(const Tensor& x, const Conv2dGeometry& g, bool count_include_pad);

/// The adjoint of avg_pool2d: dx [N, C, H, W] = zeros, then every output's grad / divisor is
/// added to each input position of its window.
Tensor avg_pool2d_backward(const Tensor& grad, const Conv2dGeometry& g, bool count_include_pad);

}  // namespace xg::kernels
