#pragma once
// One input row times a transposed, column-padded weight: the single-sample Dense forward.
//
// A Dense weight is stored [out, in] (y = x W^T), so one sample's product is `out` dot products of
// strided rows, which the hardware streams no faster than BLAS's GEMV. On a copy Wt [in, ld] of the
// weight (ld = out rounded up to whole vectors, zero columns past `out`) the same product is a
// sum of scaled rows, y = sum_i x[i] Wt[i, :]: up to 256 outputs stay in vector registers while
// the rows of Wt stream past once, in memory order. That copy is made once per weight version
// (nn/transposed_weight.hpp); the kernel itself is float only (AVX-512 when the CPU has it, else
// AVX2).
#include <cstdint>
#include <vector>

namespace xg::kernels {

/// The row stride of the padded transposed weight for `out` outputs: `out` rounded up to 16.
std::int64_t padded_output_width(std::int64_t out);

/// wt [in, padded_output_width(out)] := w [out, in]^T, with zeros in the padding columns.
void transpose_padded(const float* w, std::int64_t out, std::int64_t in, float* wt);

/// y [out] = x [in] * wt [in, ld] (+ bias [out] when not null), for wt from transpose_padded
/// (ld = padded_output_width(out), 64-byte aligned). Each output sums its `in` products in order
/// i = 0, 1, ..., then adds the bias.
void row_times_transposed(const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias,
                          float* y);

/// One instruction-set variant of row_times_transposed.
struct RowKernelVariant {
  const char* name;  ///< "avx512", "avx2" or "scalar"
  void (*run)(const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias, float* y);
};
/// The variants this CPU can run, fastest first (row_times_transposed uses the first), for tests.
std::vector<RowKernelVariant> row_times_transposed_variants();

}  // namespace xg::kernels
