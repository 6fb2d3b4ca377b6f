#pragma once
// One input row times a transposed, column-padded weight: the single-sample Dense forward.
//
// A Dense weight is stored [out, in] (y = x W^T), so one sample's product is `out` dot products of
// strided rows, which the hardware streams no faster than BLAS's GEMV. On a copy Wt [in, ld] of the
// weight (ld = out rounded up to whole vectors, zero columns past `out`) the same product is a
// sum of scaled rows, y = sum_i x[i] Wt[i, :]: up to 256 outputs stay in vector registers while
// the rows of Wt stream past once, in memory order. When most of x is zero (MNIST pixels are ~80%
// zeros), the listed variant reads only the rows of x's nonzeros. That copy is made once per
// weight version (nn/transposed_weight.hpp); the kernels are float only (AVX-512 when the CPU has
// it, else AVX2).
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

/// index[k], value[k] := the position and value of x's k-th nonzero entry (in order of position);
/// returns their count. index and value must hold `in + 16` entries (whole vectors are stored).
std::int64_t list_nonzeros(const float* x, std::int64_t in, std::int32_t* index, float* value);

/// row_times_transposed for a sparse x given by list_nonzeros: y [out] = sum over k < count of
/// value[k] * wt[index[k], :] (+ bias), each output summed over k in order, then the bias. For
/// finite wt this is x * wt for the x listed (the skipped terms are 0 * w = 0), at a cost
/// proportional to the nonzeros.
void listed_row_times_transposed(const std::int32_t* index, const float* value, std::int64_t count, const float* wt,
                                 std::int64_t out, const float* bias, float* y);

/// The number of nonzero entries of x [n].
std::int64_t count_nonzeros(const float* x, std::int64_t n);

/// y [rows, out] = x [rows, in] * wt (+ bias), row by row through list_nonzeros and
/// listed_row_times_transposed (rows in parallel): for mostly-zero x (MNIST pixels, ReLU outputs),
/// where it does less work than a GEMM. Row r's result is bitwise the one-row call's.
void sparse_rows_times_transposed(const float* x, std::int64_t rows, std::int64_t in, const float* wt,
                                  std::int64_t out, const float* bias, float* y);

/// One instruction-set variant of row_times_transposed and listed_row_times_transposed.
struct RowKernelVariant {
  const char* name;  ///< "avx512", "avx2" or "scalar"
  void (*run)(const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias, float* y);
  void (*run_listed)(const std::int32_t* index, const float* value, std::int64_t count, const float* wt,
                     std::int64_t out, const float* bias, float* y);
};
/// The variants this CPU can run, fastest first (row_times_transposed uses the first), for tests.
std::vector<RowKernelVariant> row_times_transposed_variants();

}  // namespace xg::kernels
