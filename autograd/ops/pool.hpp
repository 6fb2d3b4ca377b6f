#pragma once
// Differentiable 2-d pooling over NCHW tensors. Windows are given as Size2d {height, width}; the stride
// defaults to the window (non-overlapping pooling); padding (Pads2d, see conv.hpp) is never
// read as a value: a max ignores it, an average ignores it or counts it as zeros.
//   max_pool2d backward: the gradient is scattered to the argmax positions (saved as int64
//     indices), and that scatter's own derivative is the gather at the same positions;
//   avg_pool2d backward: each output's gradient is spread evenly over its window, a linear op
//     whose derivative is avg_pool2d again.
// So second derivatives work. Kernels: core/kernels/pool.hpp.
#include <xgrad/autograd/ops/conv.hpp>
#include <xgrad/core/tensor.hpp>

#include <array>
#include <cstdint>
#include <optional>

namespace xg {

/// Max pooling: x [N, C, H, W] -> [N, C, OH, OW], out[n, c, oh, ow] = max over the window
/// rows oh*sh - top + [0, kh), columns ow*sw - left + [0, kw) that lie inside the image, with
/// OH = floor((H + top + bottom - kh) / sh) + 1 (OW likewise). stride defaults to kernel.
/// Ties go to the first position in row-major order (the gradient flows there only); NaN
/// propagates. Each pad must be smaller than the window (so no window lies in the padding only).
/// Errors name max_pool2d and the shapes (rank, window larger than the padded input, bad values).
Tensor max_pool2d(const Tensor& x, Size2d kernel, std::optional<Size2d> stride = std::nullopt, Pads2d padding = {});

/// Average pooling, same windows and shapes as max_pool2d: out = sum of the window's elements
/// inside the image / divisor, where divisor = kh * kw if count_include_pad (PyTorch's default
/// for explicit padding) and the number of elements inside the image otherwise (Keras 'same').
/// Backward: dx[i] = sum over the windows containing i of grad / divisor.
Tensor avg_pool2d(const Tensor& x, Size2d kernel, std::optional<Size2d> stride = std::nullopt, Pads2d padding = {},
                  bool count_include_pad = false);

}  // namespace xg
