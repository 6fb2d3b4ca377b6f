#pragma once
// Differentiable reductions over any set of axes (empty list = all axes), plus the broadcast pair
// expand / sum_to that carries gradients between a shape and its broadcast.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace xg {

using Axes = std::vector<std::int64_t>;

/// Sum over `axes`. Backward: the gradient expanded back over the reduced axes.
Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// Mean over `axes`. Backward: gradient / count.
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// Largest value over `axes`. Backward: split equally between tied maxima.
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// Smallest value over `axes`.
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// Variance over `axes` with Bessel's correction `correction` (1 = unbiased, 0 = population).
Tensor var(const Tensor& x, const Axes& axes = {}, bool keepdims = false, std::int64_t correction = 1);
/// Index of the largest element along `axis` (int64, not differentiable); flattened when axis is empty.
Tensor argmax(const Tensor& x, std::optional<std::int64_t> axis = std::nullopt, bool keepdims = false);
Tensor argmin(const Tensor& x, std::optional<std::int64_t> axis = std::nullopt, bool keepdims = false);
/// log(sum(exp(x))) over `axes`, computed stably. Backward: softmax(x) * g.
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdims = false);

/// x broadcast to `shape` (NumPy rules). Backward: sum_to the input shape.
Tensor expand(const Tensor& x, const Shape& shape);
/// Sums a broadcast gradient back to `shape`: the inverse of expand. Backward: expand.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace xg
