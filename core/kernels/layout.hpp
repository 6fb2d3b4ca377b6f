#pragma once
// Internal data-movement kernel: permutation of axes (slicing and indexing live in indexing.hpp).
#include <xgrad/core/tensor.hpp>

#include <vector>

namespace xg::kernels {

/// out = x with its axes reordered: out.shape[d] = x.shape[order[d]] (contiguous copy).
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order);

}  // namespace xg::kernels
