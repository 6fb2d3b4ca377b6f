#pragma once
// Internal data-movement kernels: permutation of axes, raw matrix transpose (slicing and indexing live in indexing.hpp).
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <vector>

namespace xg::kernels {

/// out = x with its axes reordered: out.shape[d] = x.shape[order[d]] (contiguous copy).
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order);

/// dst [cols][ld_dst] := src [rows][cols]^T (dst columns past `rows` untouched), in parallel
/// cache blocks. Used to pack GEMM operands and the inference copy of a Dense weight.
void transpose_matrix(const float* src, std::int64_t rows, std::int64_t cols, float* dst, std::int64_t ld_dst);

}  // namespace xg::kernels
