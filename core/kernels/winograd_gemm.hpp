#pragma once
// The float products of the Winograd transform points (winograd.cpp), on register-blocked
// micro-kernels instead of BLAS: the products are small (one point of one block of tiles, K = 32 or
// 64 channels) and their operands are already laid out as the micro-kernel reads them, so BLAS's
// packing and call overhead would cost as much as the arithmetic.
//
// point_gemm computes C (+)= A B for a row-major panel B whose rows are whole vectors of floats.
// The micro-kernel holds an R x S block of C in vector registers (R rows of A, S vectors of B's
// columns), streams k, broadcasting A(r, k) and loading B's S vectors once per k. The entry point
// runs AVX-512 code (16 floats a vector, 32 registers) when the CPU has it, else AVX2 (8 floats,
// 16 registers); both sum each element of C over k in the same order with fused multiply-adds,
// so their results are bitwise identical.
#include <cstdint>

namespace xg::kernels {

/// Columns of point_gemm's B and C panels come in multiples of this many floats.
inline constexpr std::int64_t kPointGemmColumns = 16;

/// One product C [rows, cols] = A [rows, depth] B [depth, cols] (or C += A B when accumulate).
/// A(r, k) = a[r * a_row + k * a_depth], so A or its transpose is read in place; B and C are
/// row-major with leading dimensions ldb and ldc (in floats). cols is a multiple of
/// kPointGemmColumns; each element of C is the sum over k = 0, 1, ... in order.
struct PointGemm {
  std::int64_t rows, depth, cols;
  const float* a;
  std::int64_t a_row, a_depth;
  const float* b;
  std::int64_t ldb;
  float* c;
  std::int64_t ldc;
  bool accumulate;
};
void point_gemm(const PointGemm& p);

/// dst [j][i] = src [i][j] for i < rows, j < cols (src rows ld_src apart, dst rows ld_dst apart).
/// Reads src up to column roundup(cols, 8) and writes dst rows up to roundup(cols, 8) (those past
/// cols receive unspecified values), so both buffers must extend that far.
void transpose_panel(const float* src, std::int64_t ld_src, std::int64_t rows, std::int64_t cols, float* dst,
                     std::int64_t ld_dst);

/// The vector instruction set point_gemm runs on.
enum class PointGemmSimd { avx2, avx512 };
/// AVX-512 when the CPU supports AVX-512 F/BW/VL/DQ (checked once), unless set_point_gemm_simd chose.
PointGemmSimd point_gemm_simd();
/// Selects the instruction set (for tests and comparisons); throws ValueError when the
/// CPU lacks AVX-512 and `simd` asks for it.
void set_point_gemm_simd(PointGemmSimd simd);

}  // namespace xg::kernels
