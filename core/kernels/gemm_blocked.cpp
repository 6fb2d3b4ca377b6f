// Float GEMM on the point-product micro-kernels (see gemm_blocked.hpp).
#include <xgrad/core/kernels/gemm_blocked.hpp>

#include <xgrad/core/kernels/layout.hpp>
#include <xgrad/core/kernels/rounding.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/kernels/winograd_gemm.hpp>
#include <xgrad/core/parallel.hpp>

#include <algorithm>

namespace xg::kernels {
namespace {

constexpr std::int64_t kVector = kPointGemmColumns;
constexpr std::int64_t kTileRows = 96;      // at most, per tile
constexpr std::int64_t kTileColumns = 256;  // whole vectors
constexpr std::int64_t kTileDepth = 512;
// A B^T pays for packing one operand: it runs here only with this many multiply-adds per packed
// (or unpacked) element; with fewer (the small CNN's 200 x 4608 -> 128 layer) BLAS is faster.
constexpr std::int64_t kMinWorkPerPacked = 500;
constexpr std::int64_t kMinWork = std::int64_t{1} << 18;

// C [rows, cols] (+)= A B for A(r, k) = a[r * a_row + k * a_depth] and B [depth, cols] (ldb), in
// parallel tiles of C and serial slices of the depth; cols is a multiple of 16.
void tiled_point_gemm(std::int64_t rows, std::int64_t depth, std::int64_t cols, const float* a, std::int64_t a_row,
                      std::int64_t a_depth, const float* b, std::int64_t ldb, float* c, std::int64_t ldc,
                      bool accumulate) {
  const std::int64_t col_tiles = ceil_div(cols, kTileColumns);
  // At most kTileRows rows a tile, and an even tile count when there are several, so that two
  // threads get equal shares (1000 rows: 12 tiles of 84, not 11 of 96 with one thread doing 6).
  std::int64_t row_tiles = ceil_div(rows, kTileRows);
  if (row_tiles * col_tiles % 2 == 1 && row_tiles * col_tiles > 1 && row_tiles < rows) ++row_tiles;
  const std::int64_t tile_rows = ceil_div(rows, row_tiles);
  row_tiles = ceil_div(rows, tile_rows);
  parallel_for(0, row_tiles * col_tiles, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      const std::int64_t r0 = (t / col_tiles) * tile_rows, c0 = (t % col_tiles) * kTileColumns;
      // Depth in slices of kTileDepth: a B slice (512 x 256 floats) stays in L2 while the tile's rows
      // pass over it. Each slice continues the running sums in C, so every element still sums its
      // products in the order k = 0, 1, ..., exactly as one pass would.
      for (std::int64_t k0 = 0; k0 < depth; k0 += kTileDepth)
        point_gemm({std::min(tile_rows, rows - r0), std::min(kTileDepth, depth - k0), std::min(kTileColumns, cols - c0),
                    a + r0 * a_row + k0 * a_depth, a_row, a_depth, b + k0 * ldb + c0, ldb, c + r0 * ldc + c0, ldc,
                    accumulate || k0 > 0});
    }
  });
}

// How C = A B^T is packed: B^T [K, N] (only possible when N fills whole vectors), or A^T [K, M']
// and C^T [N, M'] (M' = M rounded up to whole vectors), whichever moves fewer elements.
struct TransposedBPlan {
  bool pack_b;
  std::int64_t packed;  // elements packed (and unpacked)
};
TransposedBPlan plan_transposed_b(std::int64_t M, std::int64_t N, std::int64_t K) {
  const std::int64_t through_a = round_up(M, kVector) * K + M * N;
  if (N % kVector == 0 && N * K <= through_a) return {true, N * K};
  return {false, through_a};
}

// C (+)= A B^T with A [M, K] and B [N, K], packed as `plan` says.
void gemm_transposed_b(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, const float* B, float* C,
                       bool accumulate, TransposedBPlan plan) {
  if (plan.pack_b) {  // Bt [K, N], then C = A Bt
    Scratch<float> bt(K * N);
    transpose_matrix(B, N, K, bt.get(), N);
    tiled_point_gemm(M, K, N, A, K, 1, bt.get(), N, C, N, accumulate);
    return;
  }
  // At [K, M'] (zero columns past M), Ct [N, M'] = B At, then C (+)= Ct^T.
  const std::int64_t padded_m = round_up(M, kVector);
  Scratch<float> at(K * padded_m), ct(N * padded_m);
  if (padded_m > M)
    for (std::int64_t k = 0; k < K; ++k) std::fill(at.get() + k * padded_m + M, at.get() + (k + 1) * padded_m, 0.0f);
  transpose_matrix(A, M, K, at.get(), padded_m);
  tiled_point_gemm(N, K, padded_m, B, K, 1, at.get(), padded_m, ct.get(), padded_m, false);
  parallel_for(0, M, 16, [&](std::int64_t m0, std::int64_t m1) {
    for (std::int64_t m = m0; m < m1; ++m)
      for (std::int64_t n = 0; n < N; ++n) {
        const float v = ct.get()[n * padded_m + m];
        C[m * N + n] = accumulate ? C[m * N + n] + v : v;
      }
  });
}

}  // namespace

bool gemm_on_micro_kernels(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                           const float* A, const float* B, double beta, float* C) {
  if (point_gemm_simd() != PointGemmSimd::avx512 || alpha != 1.0 || (beta != 0.0 && beta != 1.0)) return false;
  if ((trans_a && trans_b) || M < kVector || N < kVector || K < kVector || M * N * K < kMinWork) return false;
  const bool accumulate = beta == 1.0;
  if (trans_b) {
    const TransposedBPlan plan = plan_transposed_b(M, N, K);
    if (M * N * K < kMinWorkPerPacked * plan.packed) return false;
    gemm_transposed_b(M, N, K, A, B, C, accumulate, plan);
    return true;
  }
  if (N % kVector != 0) return false;
  // op(A)(r, k) = A[r * K + k], or A[k * M + r] when transposed.
  tiled_point_gemm(M, K, N, A, trans_a ? 1 : K, trans_a ? M : 1, B, N, C, N, accumulate);
  return true;
}

}  // namespace xg::kernels
