// 2x2 / stride-2 max pooling of one row pair. Rows are short (14 or 7 outputs in the MNIST CNNs),
// so the float kernel works on whole vectors of 8 (AVX2) or 4 (SSE) outputs, the last vector
// overlapping the previous one instead of a scalar tail (recomputing an output is harmless). Each
// vector splits the even and odd input columns with one shuffle, keeps the window position as a
// code 0..3 in float lanes beside the values and turns it into int64 input positions in-register.
// Other types (and rows under 4 outputs) take a scalar loop with the same rule.
#include <xgrad/core/kernels/max_pool_2x2.hpp>

#include <algorithm>
#include <climits>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace xg::kernels {
namespace {

// best, code := the maximum of the window's four values in row-major order and its position 0..3.
template <class T> inline void window_max(T v0, T v1, T v2, T v3, T& best, T& code) {
  T b = v0, k = 0;
  const T candidates[3] = {v1, v2, v3};
  for (int i = 0; i < 3; ++i) {
    const T v = candidates[i];
    const bool take = max_pool_takes(v, b);
    b = take ? v : b;
    k = take ? T(i + 1) : k;
  }
  best = b;
  code = k;
}

template <class T>
void codes_to_positions(const T* code, std::int64_t base, std::int64_t width, std::int64_t out_w,
                        std::int64_t* __restrict arg) {
  for (std::int64_t ow = 0; ow < out_w; ++ow) {
    const auto k = static_cast<std::int64_t>(code[ow]);
    arg[ow] = base + 2 * ow + (k & 1) + (k >> 1) * width;
  }
}

template <class T>
void scalar_row(const T* r0, const T* r1, std::int64_t out_w, T* best, T* code) {
  for (std::int64_t ow = 0; ow < out_w; ++ow)
    window_max(r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1], best[ow], code[ow]);
}

#if defined(__AVX2__)
// Lane-width-generic operations on 8 (__m256) or 4 (__m128) floats.
struct Avx {
  using V = __m256;
  static constexpr int lanes = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V zero() { return _mm256_setzero_ps(); }
  // Even / odd elements of the 16 floats at p, in order.
  static void split(const float* p, V& even, V& odd) {
    const V lo = load(p), hi = load(p + 8);
    const auto order = [](V v) { return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8)); };
    even = order(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
    odd = order(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
  }
  // max_pool_takes (max_pool_2x2.hpp) on every lane: v > b, or v is NaN and b is not.
  static V takes(V v, V b) {
    return _mm256_or_ps(_mm256_cmp_ps(v, b, _CMP_GT_OQ),
                        _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(b, b, _CMP_ORD_Q)));
  }
  static V select(V mask, V yes, V no) { return _mm256_blendv_ps(no, yes, mask); }
  // arg[l] = first + 2l + (code & 1) + (code >> 1) * width for the lanes' codes 0..3.
  static void store_positions(std::int64_t* arg, V code, std::int64_t first, std::int32_t width) {
    const __m256i k = _mm256_cvtps_epi32(code);
    const __m256i col = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i low_row = _mm256_and_si256(_mm256_cmpgt_epi32(k, _mm256_set1_epi32(1)), _mm256_set1_epi32(width));
    const __m256i off = _mm256_add_epi32(_mm256_add_epi32(col, _mm256_and_si256(k, _mm256_set1_epi32(1))), low_row);
    const __m256i base = _mm256_set1_epi64x(first);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(arg),
                        _mm256_add_epi64(base, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(off))));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(arg + 4),
                        _mm256_add_epi64(base, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(off, 1))));
  }
};
struct Sse {
  using V = __m128;
  static constexpr int lanes = 4;
  static V load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, V v) { _mm_storeu_ps(p, v); }
  static V set1(float v) { return _mm_set1_ps(v); }
  static V zero() { return _mm_setzero_ps(); }
  static void split(const float* p, V& even, V& odd) {
    const V lo = load(p), hi = load(p + 4);
    even = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    odd = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
  }
  static V takes(V v, V b) {
    return _mm_or_ps(_mm_cmpgt_ps(v, b), _mm_and_ps(_mm_cmpunord_ps(v, v), _mm_cmpord_ps(b, b)));
  }
  static V select(V mask, V yes, V no) { return _mm_blendv_ps(no, yes, mask); }
  static void store_positions(std::int64_t* arg, V code, std::int64_t first, std::int32_t width) {
    const __m128i k = _mm_cvtps_epi32(code);
    const __m128i low_row = _mm_and_si128(_mm_cmpgt_epi32(k, _mm_set1_epi32(1)), _mm_set1_epi32(width));
    const __m128i off =
        _mm_add_epi32(_mm_add_epi32(_mm_setr_epi32(0, 2, 4, 6), _mm_and_si128(k, _mm_set1_epi32(1))), low_row);
    const __m128i base = _mm_set1_epi64x(first);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(arg), _mm_add_epi64(base, _mm_cvtepi32_epi64(off)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(arg + 2), _mm_add_epi64(base, _mm_cvtepi32_epi64(_mm_srli_si128(off, 8))));
  }
};

// Outputs [ow, ow + lanes) of the row pair: values and input positions.
template <class S>
inline void vector_windows(const float* r0, const float* r1, std::int64_t base, std::int32_t width, std::int64_t ow,
                           float* best, std::int64_t* arg) {
  using V = typename S::V;
  V v0, v1, v2, v3;
  S::split(r0 + 2 * ow, v0, v1);
  S::split(r1 + 2 * ow, v2, v3);
  V b = v0, k = S::zero();
  const V candidates[3] = {v1, v2, v3};
  for (int i = 0; i < 3; ++i) {
    const V take = S::takes(candidates[i], b);
    b = S::select(take, candidates[i], b);
    k = S::select(take, S::set1(static_cast<float>(i + 1)), k);
  }
  S::store(best + ow, b);
  S::store_positions(arg + ow, k, base + 2 * ow, width);
}

template <class S>
void vector_row(const float* r0, const float* r1, std::int64_t base, std::int32_t width, std::int64_t out_w,
                float* best, std::int64_t* arg) {
  std::int64_t ow = 0;
  for (; ow + S::lanes <= out_w; ow += S::lanes) vector_windows<S>(r0, r1, base, width, ow, best, arg);
  if (ow < out_w) vector_windows<S>(r0, r1, base, width, out_w - S::lanes, best, arg);
}

// Rows of at least 4 outputs and widths within int32 (for the position arithmetic).
bool vector_row_float(const float* r0, const float* r1, std::int64_t base, std::int64_t width, std::int64_t out_w,
                      float* best, std::int64_t* arg) {
  if (width > INT32_MAX / 2) return false;
  const auto w = static_cast<std::int32_t>(width);
  if (out_w >= Avx::lanes) return vector_row<Avx>(r0, r1, base, w, out_w, best, arg), true;
  if (out_w >= Sse::lanes) return vector_row<Sse>(r0, r1, base, w, out_w, best, arg), true;
  return false;
}
#endif

}  // namespace

template <class T>
void max_pool_2x2_row(const T* r0, const T* r1, std::int64_t base, std::int64_t width, std::int64_t out_w, T* best,
                      std::int64_t* arg) {
#if defined(__AVX2__)
  if constexpr (std::is_same_v<T, float>)
    if (vector_row_float(r0, r1, base, width, out_w, best, arg)) return;
#endif
  constexpr std::int64_t kBlock = 64;  // codes kept on the stack for this many outputs at a time
  T code[kBlock];
  for (std::int64_t o0 = 0; o0 < out_w; o0 += kBlock) {
    const std::int64_t n = std::min(kBlock, out_w - o0);
    scalar_row(r0 + 2 * o0, r1 + 2 * o0, n, best + o0, code);
    codes_to_positions(code, base + 2 * o0, width, n, arg + o0);
  }
}

template void max_pool_2x2_row<float>(const float*, const float*, std::int64_t, std::int64_t, std::int64_t, float*,
                                      std::int64_t*);
template void max_pool_2x2_row<double>(const double*, const double*, std::int64_t, std::int64_t, std::int64_t,
                                       double*, std::int64_t*);

}  // namespace xg::kernels
