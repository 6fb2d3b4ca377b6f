#pragma once
// Internal reduction kernels over any set of axes (no autograd). Deterministic: each output
// element is accumulated in a fixed order, long single reductions through fixed chunks.
#include <xgrad/core/tensor.hpp>

#include <vector>

namespace xg::kernels {

enum class ReduceOp { Sum, Max, Min };

/// Reduces `axes` (normalized, sorted; empty = none) of x. keepdims keeps them with size 1.
Tensor reduce(ReduceOp op, const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdims);
/// Index (int64) of the largest (or smallest) element along `axis`; first one on ties.
Tensor arg_reduce(ReduceOp op, const Tensor& x, std::int64_t axis, bool keepdims);
/// Shape of x reduced over `axes`.
Shape reduced_shape(const Shape& shape, const std::vector<std::int64_t>& axes, bool keepdims);

}  // namespace xg::kernels
