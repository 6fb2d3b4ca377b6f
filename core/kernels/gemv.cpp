// Row times transposed weight (see gemv.hpp). One generic blocked loop runs on a small SIMD
// "traits" type per instruction set and on either kind of row source (every row of Wt, or the
// listed rows of x's nonzeros); the AVX-512 and AVX2 entry points are compiled for their targets
// and chosen once from the CPU's feature bits, so a baseline build still uses AVX-512.
#include <xgrad/core/kernels/gemv.hpp>

#include <xgrad/core/kernels/layout.hpp>
#include <xgrad/core/kernels/rounding.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/parallel.hpp>

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define XG_GEMV_X86 1
#endif

namespace xg::kernels {
namespace {

constexpr std::int64_t kPad = 16;              // ld is a multiple of 16 floats (one AVX-512 vector)
constexpr std::int64_t kMaxBlockOutputs = 256;  // outputs held in registers during one pass over x
constexpr std::int64_t kSparseRowsPerTask = 16;  // rows of a sparse batch per parallel task

// The rows of Wt one sample adds up: every row i with weight x[i] (DenseRows), or only the rows
// listed by list_nonzeros' index/value pairs (ListedRows). Entry k is row row(k) scaled by value(k).
struct DenseRows {
  const float* x;
  std::int64_t count;
  [[gnu::always_inline]] float value(std::int64_t k) const { return x[k]; }
  [[gnu::always_inline]] std::int64_t row(std::int64_t k) const { return k; }
};
struct ListedRows {
  const std::int32_t* index;
  const float* values;
  std::int64_t count;
  [[gnu::always_inline]] float value(std::int64_t k) const { return values[k]; }
  [[gnu::always_inline]] std::int64_t row(std::int64_t k) const { return index[k]; }
};

// acc [NV vectors] = sum over entries k of value(k) * wt[row(k), 0 : NV * S::width). Few vectors
// leave the FMA chain latency-bound, so SPLIT partial sums run over interleaved k and are added
// at the end.
template <class S, int NV, int SPLIT, class Rows>
[[gnu::always_inline]] inline void accumulate_block(const Rows& rows, const float* wt, std::int64_t ld,
                                                    float* acc_out) {
  typename S::V acc[SPLIT][NV];
  for (auto& part : acc)
    for (auto& v : part) v = S::zero();
  std::int64_t k = 0;
  for (; k + SPLIT <= rows.count; k += SPLIT)
    for (int s = 0; s < SPLIT; ++s) {
      const auto xk = S::broadcast(rows.value(k + s));
      const float* row = wt + rows.row(k + s) * ld;
      for (int v = 0; v < NV; ++v) acc[s][v] = S::fmadd(xk, S::load(row + v * S::width), acc[s][v]);
    }
  for (; k < rows.count; ++k) {
    const auto xk = S::broadcast(rows.value(k));
    const float* row = wt + rows.row(k) * ld;
    for (int v = 0; v < NV; ++v) acc[0][v] = S::fmadd(xk, S::load(row + v * S::width), acc[0][v]);
  }
  for (int s = 1; s < SPLIT; ++s)
    for (int v = 0; v < NV; ++v) acc[0][v] = S::add(acc[0][v], acc[s][v]);
  for (int v = 0; v < NV; ++v) S::store(acc_out + v * S::width, acc[0][v]);
}

// y [out] = rows * wt (+ bias): passes of up to 256 outputs, each block the widest that fits.
template <class S, class Rows>
[[gnu::always_inline]] inline void row_times_transposed_with(const Rows& rows, const float* wt, std::int64_t out,
                                                             const float* bias, float* y) {
  const std::int64_t ld = padded_output_width(out);
  alignas(64) float acc[kMaxBlockOutputs];
  for (std::int64_t o0 = 0; o0 < out;) {
    const std::int64_t vectors = (ld - o0) / S::width;
    std::int64_t width;
    if (vectors >= S::kBlockVectors) {
      accumulate_block<S, S::kBlockVectors, 1>(rows, wt + o0, ld, acc);
      width = S::kBlockVectors * S::width;
    } else if (vectors >= 4) {
      accumulate_block<S, 4, 2>(rows, wt + o0, ld, acc);
      width = 4 * S::width;
    } else {
      accumulate_block<S, 1, 4>(rows, wt + o0, ld, acc);
      width = S::width;
    }
    const std::int64_t n = std::min(width, out - o0);
    for (std::int64_t o = 0; o < n; ++o) y[o0 + o] = bias ? acc[o] + bias[o0 + o] : acc[o];
    o0 += width;
  }
}

// L floats as one GCC/Clang vector: the same source becomes zmm, ymm or scalar code depending on
// the target of the entry function it is inlined into (no intrinsics, which Clang would refuse in
// a function compiled without their target).
template <int L, int Block> struct FloatVector {
  typedef float V __attribute__((vector_size(L * sizeof(float))));
  static constexpr int width = L, kBlockVectors = Block;
  [[gnu::always_inline]] static V zero() { return V{}; }
  [[gnu::always_inline]] static V broadcast(float v) { return V{} + v; }
  [[gnu::always_inline]] static V load(const float* p) { return *reinterpret_cast<const V*>(p); }
  [[gnu::always_inline]] static V fmadd(V a, V b, V c) { return a * b + c; }  // contracted to one FMA
  [[gnu::always_inline]] static V add(V a, V b) { return a + b; }
  [[gnu::always_inline]] static void store(float* p, V v) { *reinterpret_cast<V*>(p) = v; }
};

// One entry per instruction set, each for both kinds of rows.
#ifdef XG_GEMV_X86
template <class Rows>
__attribute__((target("avx512f"))) void rows_avx512(const Rows& rows, const float* wt, std::int64_t out,
                                                    const float* bias, float* y) {
  row_times_transposed_with<FloatVector<16, 16>>(rows, wt, out, bias, y);  // 16 of the 32 registers accumulate
}
template <class Rows>
__attribute__((target("avx2,fma"))) void rows_avx2(const Rows& rows, const float* wt, std::int64_t out,
                                                   const float* bias, float* y) {
  row_times_transposed_with<FloatVector<8, 8>>(rows, wt, out, bias, y);  // 8 of the 16 registers accumulate
}
#endif
template <class Rows>
void rows_scalar(const Rows& rows, const float* wt, std::int64_t out, const float* bias, float* y) {
  row_times_transposed_with<FloatVector<1, 16>>(rows, wt, out, bias, y);  // any CPU
}

// The variant running `dense` on every row of Wt and `listed` on the listed rows.
template <auto dense, auto listed> RowKernelVariant variant(const char* name) {
  return {name,
          [](const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias, float* y) {
            dense(DenseRows{x, in}, wt, out, bias, y);
          },
          [](const std::int32_t* index, const float* value, std::int64_t count, const float* wt, std::int64_t out,
             const float* bias, float* y) { listed(ListedRows{index, value, count}, wt, out, bias, y); }};
}

// list_nonzeros: whole groups of zeros (the background of an image, dead ReLUs) are skipped with
// one test; inside other groups every entry is written and the count moves on the nonzeros.
constexpr std::int64_t kListGroup = 16;
std::int64_t list_range(const float* x, std::int64_t begin, std::int64_t end, std::int32_t* index, float* value) {
  std::int64_t count = 0;
  for (std::int64_t i0 = begin; i0 < end; i0 += kListGroup) {
    const std::int64_t i1 = std::min(end, i0 + kListGroup);
    std::uint32_t bits = 0;  // any bit set: not all +0 in the group (a -0 costs only the branch-free pass)
    for (std::int64_t i = i0; i < i1; ++i) bits |= std::bit_cast<std::uint32_t>(x[i]);
    if (bits == 0) continue;
    for (std::int64_t i = i0; i < i1; ++i) {
      index[count] = static_cast<std::int32_t>(i);
      value[count] = x[i];
      count += x[i] != 0.0f;
    }
  }
  return count;
}
#ifdef XG_GEMV_X86
// AVX-512: one compare per 16 entries, the nonzeros packed by register compresses.
__attribute__((target("avx512f"))) std::int64_t list_nonzeros_avx512(const float* x, std::int64_t in,
                                                                     std::int32_t* index, float* value) {
  std::int64_t count = 0, i = 0;
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (; i + 16 <= in; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __mmask16 nonzero = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);  // NaN is listed
    if (nonzero == 0) continue;
    _mm512_storeu_ps(value + count, _mm512_maskz_compress_ps(nonzero, v));
    const __m512i positions = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(i)));
    _mm512_storeu_si512(index + count, _mm512_maskz_compress_epi32(nonzero, positions));
    count += __builtin_popcount(nonzero);
  }
  return count + list_range(x, i, in, index + count, value + count);
}
#endif
using NonzeroLister = std::int64_t (*)(const float*, std::int64_t, std::int32_t*, float*);
NonzeroLister nonzero_lister() {
#ifdef XG_GEMV_X86
  if (__builtin_cpu_supports("avx512f")) return list_nonzeros_avx512;
#endif
  return [](const float* x, std::int64_t in, std::int32_t* index, float* value) {
    return list_range(x, 0, in, index, value);
  };
}

const RowKernelVariant& fastest_variant() {
  static const RowKernelVariant fastest = row_times_transposed_variants().front();
  return fastest;
}

}  // namespace

std::int64_t padded_output_width(std::int64_t out) { return round_up(out, kPad); }

void transpose_padded(const float* w, std::int64_t out, std::int64_t in, float* wt) {
  const std::int64_t ld = padded_output_width(out);
  transpose_matrix(w, out, in, wt, ld);
  if (ld > out)
    for (std::int64_t i = 0; i < in; ++i) std::fill(wt + i * ld + out, wt + (i + 1) * ld, 0.0f);
}

std::vector<RowKernelVariant> row_times_transposed_variants() {
  std::vector<RowKernelVariant> variants;
#ifdef XG_GEMV_X86
  if (__builtin_cpu_supports("avx512f"))
    variants.push_back(variant<rows_avx512<DenseRows>, rows_avx512<ListedRows>>("avx512"));
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    variants.push_back(variant<rows_avx2<DenseRows>, rows_avx2<ListedRows>>("avx2"));
#endif
  variants.push_back(variant<rows_scalar<DenseRows>, rows_scalar<ListedRows>>("scalar"));
  return variants;
}

void row_times_transposed(const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias,
                          float* y) {
  fastest_variant().run(x, in, wt, out, bias, y);
}

std::int64_t list_nonzeros(const float* x, std::int64_t in, std::int32_t* index, float* value) {
  static const auto list = nonzero_lister();
  return list(x, in, index, value);
}

void listed_row_times_transposed(const std::int32_t* index, const float* value, std::int64_t count, const float* wt,
                                 std::int64_t out, const float* bias, float* y) {
  fastest_variant().run_listed(index, value, count, wt, out, bias, y);
}

std::int64_t count_nonzeros(const float* x, std::int64_t n) {
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < n; ++i) count += x[i] != 0.0f;
  return count;
}

void sparse_rows_times_transposed(const float* x, std::int64_t rows, std::int64_t in, const float* wt,
                                  std::int64_t out, const float* bias, float* y) {
  parallel_for(0, rows, kSparseRowsPerTask, [&](std::int64_t r0, std::int64_t r1) {
    Scratch<std::int32_t> index(in + kListGroup);
    Scratch<float> value(in + kListGroup);
    for (std::int64_t r = r0; r < r1; ++r) {
      if (r + 1 < r1)  // the next row streams in from memory while this one is multiplied
        for (std::int64_t i = 0; i < in; i += 16) __builtin_prefetch(x + (r + 1) * in + i);
      const std::int64_t count = list_nonzeros(x + r * in, in, index.get(), value.get());
      listed_row_times_transposed(index.get(), value.get(), count, wt, out, bias, y + r * out);
    }
  });
}

}  // namespace xg::kernels
