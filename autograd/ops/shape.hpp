#pragma once
// Differentiable shape ops. reshape/view/flatten/squeeze/unsqueeze share the input's storage;
// transpose/permute produce contiguous copies (xgrad tensors are always contiguous).
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <vector>

namespace xg {

/// Same elements with a new shape; one entry may be -1 (inferred). Shares storage.
Tensor reshape(const Tensor& x, const Shape& shape);
/// Alias of reshape (tensors are contiguous, so every reshape is a view).
Tensor view(const Tensor& x, const Shape& shape);
/// Merges dims start_dim..end_dim into one.
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
/// Removes the given size-1 axes (all size-1 axes when empty).
Tensor squeeze(const Tensor& x, const std::vector<std::int64_t>& axes = {});
/// Inserts a size-1 axis at `axis` (in [-rank-1, rank]).
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
/// Reorders axes: out.shape[d] = x.shape[order[d]]. Backward: the inverse permutation.
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order);
/// Swaps two axes.
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);

}  // namespace xg
