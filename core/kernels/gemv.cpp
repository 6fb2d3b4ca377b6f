// Row times transposed weight (see gemv.hpp). One generic blocked loop runs on a small SIMD
// "traits" type per instruction set; the AVX-512 and AVX2 entry points are compiled for their
// targets and chosen once from the CPU's feature bits, so a baseline build still uses AVX-512.
#include <xgrad/core/kernels/gemv.hpp>

#include <xgrad/core/kernels/layout.hpp>

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#define XG_GEMV_X86 1
#endif

namespace xg::kernels {
namespace {

constexpr std::int64_t kPad = 16;              // ld is a multiple of 16 floats (one AVX-512 vector)
constexpr std::int64_t kMaxBlockOutputs = 256;  // outputs held in registers during one pass over x

// acc [NV vectors] = sum over i of x[i] * wt[i, 0 : NV * S::width). Few vectors leave the FMA
// chain latency-bound, so SPLIT partial sums run over interleaved i and are added at the end.
template <class S, int NV, int SPLIT>
[[gnu::always_inline]] inline void accumulate_block(const float* x, std::int64_t in, const float* wt, std::int64_t ld,
                                                    float* acc_out) {
  typename S::V acc[SPLIT][NV];
  for (auto& part : acc)
    for (auto& v : part) v = S::zero();
  std::int64_t i = 0;
  for (; i + SPLIT <= in; i += SPLIT)
    for (int s = 0; s < SPLIT; ++s) {
      const auto xi = S::broadcast(x[i + s]);
      const float* row = wt + (i + s) * ld;
      for (int v = 0; v < NV; ++v) acc[s][v] = S::fmadd(xi, S::load(row + v * S::width), acc[s][v]);
    }
  for (; i < in; ++i) {
    const auto xi = S::broadcast(x[i]);
    for (int v = 0; v < NV; ++v) acc[0][v] = S::fmadd(xi, S::load(wt + i * ld + v * S::width), acc[0][v]);
  }
  for (int s = 1; s < SPLIT; ++s)
    for (int v = 0; v < NV; ++v) acc[0][v] = S::add(acc[0][v], acc[s][v]);
  for (int v = 0; v < NV; ++v) S::store(acc_out + v * S::width, acc[0][v]);
}

// y [out] = x wt (+ bias): passes of up to 256 outputs, each block the widest that fits.
template <class S>
[[gnu::always_inline]] inline void row_times_transposed_with(const float* x, std::int64_t in, const float* wt,
                                                             std::int64_t out, const float* bias, float* y) {
  const std::int64_t ld = padded_output_width(out);
  alignas(64) float acc[kMaxBlockOutputs];
  for (std::int64_t o0 = 0; o0 < out;) {
    const std::int64_t vectors = (ld - o0) / S::width;
    std::int64_t width;
    if (vectors >= S::kBlockVectors) {
      accumulate_block<S, S::kBlockVectors, 1>(x, in, wt + o0, ld, acc);
      width = S::kBlockVectors * S::width;
    } else if (vectors >= 4) {
      accumulate_block<S, 4, 2>(x, in, wt + o0, ld, acc);
      width = 4 * S::width;
    } else {
      accumulate_block<S, 1, 4>(x, in, wt + o0, ld, acc);
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

#ifdef XG_GEMV_X86
__attribute__((target("avx512f"))) void row_times_transposed_avx512(const float* x, std::int64_t in, const float* wt,
                                                                   std::int64_t out, const float* bias, float* y) {
  row_times_transposed_with<FloatVector<16, 16>>(x, in, wt, out, bias, y);  // 16 of the 32 registers accumulate
}
__attribute__((target("avx2,fma"))) void row_times_transposed_avx2(const float* x, std::int64_t in, const float* wt,
                                                                  std::int64_t out, const float* bias, float* y) {
  row_times_transposed_with<FloatVector<8, 8>>(x, in, wt, out, bias, y);  // 8 of the 16 registers accumulate
}
#endif

void row_times_transposed_scalar(const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias,
                                 float* y) {
  row_times_transposed_with<FloatVector<1, 16>>(x, in, wt, out, bias, y);  // any CPU
}

}  // namespace

std::int64_t padded_output_width(std::int64_t out) { return (out + kPad - 1) / kPad * kPad; }

void transpose_padded(const float* w, std::int64_t out, std::int64_t in, float* wt) {
  const std::int64_t ld = padded_output_width(out);
  transpose_matrix(w, out, in, wt, ld);
  if (ld > out)
    for (std::int64_t i = 0; i < in; ++i) std::fill(wt + i * ld + out, wt + (i + 1) * ld, 0.0f);
}

std::vector<RowKernelVariant> row_times_transposed_variants() {
  std::vector<RowKernelVariant> variants;
#ifdef XG_GEMV_X86
  if (__builtin_cpu_supports("avx512f")) variants.push_back({"avx512", row_times_transposed_avx512});
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    variants.push_back({"avx2", row_times_transposed_avx2});
#endif
  variants.push_back({"scalar", row_times_transposed_scalar});
  return variants;
}

void row_times_transposed(const float* x, std::int64_t in, const float* wt, std::int64_t out, const float* bias,
                          float* y) {
  static const auto kernel = row_times_transposed_variants().front().run;
  kernel(x, in, wt, out, bias, y);
}

}  // namespace xg::kernels
