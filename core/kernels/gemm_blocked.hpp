#pragma once
// Large float products on the register-blocked micro-kernels of winograd_gemm.hpp instead of
// OpenBLAS, where those are measured faster (AVX-512: ~215 against ~155-170 GFLOP/s for the big
// CNN's Dense 3136 -> 1024 products at one thread).
//
// point_gemm reads A in place with any strides and B as a row-major panel of whole vectors, so
//   C = A B     and   C = A^T B   run directly when N is a multiple of 16;
//   C = A B^T   packs the cheaper of B^T [K, N] (then runs as C = A Bt) or A^T [K, M'] (then
//               computes C^T = B A^T [N, M'], M' = M rounded up to 16, and unpacks it into C).
// C is cut into tiles of at most 96 rows x 256 columns, run in parallel, each over the depth in
// slices of 512 (so that a slice of B stays in L2); every element of C is its tile's running sum
// over k = 0 .. K-1 in order, so results do not depend on the thread count.
#include <cstdint>

namespace xg::kernels {

/// C = op(A) op(B) (beta == 0) or C += op(A) op(B) (beta == 1), as kernels::gemm and a one-product
/// gemm_batched (matmul, linear and their gradients) call it first (row-major,
/// contiguous). Returns false without touching C when the product does not qualify: no AVX-512,
/// alpha != 1, another beta, both operands transposed, fewer than 16 rows, columns or depth, under
/// 2^18 multiply-adds, (not transposing B) N not a multiple of 16, or (transposing B) under 500
/// multiply-adds per element to pack.
bool gemm_on_micro_kernels(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                           const float* A, const float* B, double beta, float* C);

}  // namespace xg::kernels
