#pragma once
// Differentiable 2-d convolution (NCHW, PyTorch weight layout), as three ops that are each other's
// derivatives, so gradients of any order work:
//   conv2d(x, W)                 forward (cross-correlation, like every framework)
//   conv2d_backward_input(g, W)  its adjoint in x (a transposed convolution)
//   conv2d_backward_weight(x, g) its adjoint in W
// For y = conv2d(x, W) + b: dx = conv2d_backward_input(g, W), dW = conv2d_backward_weight(x, g),
// db = sum of g over (N, OH, OW). The two backward ops are bilinear, so their derivatives are
// again these ops (see each doc comment). Kernels: im2col + GEMM (core/kernels/conv.hpp).
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

#include <array>
#include <cstdint>

namespace xg {

/// A pair {height, width} (kernel, stride, dilation of the 2-d window ops).
using Size2d = std::array<std::int64_t, 2>;

/// Explicit zero padding of a 2-d window op, in elements on each side of the image.
struct Pads2d {
  std::int64_t top = 0, bottom = 0, left = 0, right = 0;
};

/// Geometry of conv2d: stride and dilation as {height, width}, padding on each side.
///   xg::conv2d(x, w, b, {.stride = {2, 2}, .padding = {1, 1, 1, 1}})
struct Conv2dParams {
  Size2d stride{1, 1};
  Pads2d padding{};
  Size2d dilation{1, 1};
};

/// 2-d cross-correlation: x [N, C, H, W], weight [O, C, kh, kw], bias [O] or undefined ->
/// y [N, O, OH, OW] with
///   y[n, o, oh, ow] = b[o] + sum_{c, i, j} W[o, c, i, j] * xp[n, c, oh*sh + i*dh, ow*sw + j*dw]
/// where xp is x zero-padded by p.padding, and OH = floor((H + top + bottom - dh*(kh-1) - 1) / sh) + 1
/// (OW likewise). Mixed float dtypes are promoted. Throws ShapeError naming the shapes for a wrong
/// rank, a channel mismatch ("conv2d: input has 3 channels but weight expects 1 (input
/// [8, 3, 28, 28], weight [32, 1, 5, 5])"), a bias that is not [O] or a kernel larger than the
/// padded input, and ValueError for a non-positive stride or dilation or a negative padding.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Conv2dParams p = {});

/// act(conv2d(x, W, b)) as one node: each image's output block is activated in place right after
/// its product, and backward forms G * act'(.) from the saved output in one pass before the two
/// adjoints. Activation::Identity is plain conv2d.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p, Activation act);

/// The gradient of conv2d with respect to its input (the transposed convolution): grad
/// [N, O, OH, OW] and weight [O, C, kh, kw] -> dx of `input_shape` [N, C, H, W], where grad's
/// spatial size must be conv2d's output size for that input. Linear in each argument:
/// <conv2d_backward_input(g, W), v> = <g, conv2d(v, W)>.
/// Backward with gradient G [N, C, H, W]: d/dgrad = conv2d(G, W), d/dweight = conv2d_backward_weight(G, grad).
Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Shape& input_shape, Conv2dParams p = {});

/// The gradient of conv2d with respect to its weight: x [N, C, H, W] and grad [N, O, OH, OW] ->
/// dW of `weight_shape` [O, C, kh, kw], dW = sum over the batch (fixed order, bitwise reproducible).
/// <conv2d_backward_weight(x, g), V> = <g, conv2d(x, V)>.
/// Backward with gradient G [O, C, kh, kw]: d/dx = conv2d_backward_input(grad, G), d/dgrad = conv2d(x, G).
Tensor conv2d_backward_weight(const Tensor& x, const Tensor& grad, const Shape& weight_shape, Conv2dParams p = {});

}  // namespace xg
