// Register-blocked point products and panel transposes (see winograd_gemm.hpp).
//
// The kernels are written once on GCC vector types of L floats and inlined (always_inline) into
// one entry function per instruction set: the AVX-512 entry carries a target attribute, so the
// same source becomes zmm code there and ymm code in the baseline (x86-64-v3) entry. A C block of
// R x S vectors stays in registers for the whole k loop; the block shapes are chosen so that the
// accumulators, S loaded B vectors and one broadcast fit the register file (32 or 16 vectors).
#include <xgrad/core/kernels/winograd_gemm.hpp>

#include <xgrad/core/error.hpp>

#include <algorithm>
#include <atomic>
#include <utility>

namespace xg::kernels {
namespace {

template <int L> struct Lanes {
  typedef float type __attribute__((vector_size(L * sizeof(float))));
  typedef float unaligned __attribute__((vector_size(L * sizeof(float)), aligned(alignof(float)), may_alias));
};

// Widest C block (in vectors of L floats) and, for S vectors, the most rows of A.
template <int L> constexpr int kMaxStrips = L == 16 ? 4 : 2;
template <int L> constexpr int max_rows(int strips) {
  if constexpr (L == 16) return strips >= 4 ? 6 : strips == 3 ? 8 : 12;
  return strips >= 2 ? 6 : 12;
}

// C [r0, r0 + R) x [j0, j0 + S L) (+)= A B.
template <int L, int R, int S>
[[gnu::always_inline]] inline void tile(const PointGemm& p, std::int64_t r0, std::int64_t j0) {
  using V = typename Lanes<L>::type;
  using U = typename Lanes<L>::unaligned;
  V acc[R][S];
  float* c = p.c + r0 * p.ldc + j0;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int s = 0; s < S; ++s) acc[r][s] = p.accumulate ? *reinterpret_cast<const U*>(c + r * p.ldc + s * L) : V{};
  const float* a = p.a + r0 * p.a_row;
  const float* b = p.b + j0;
  for (std::int64_t k = 0; k < p.depth; ++k, a += p.a_depth, b += p.ldb) {
    V bv[S];
#pragma GCC unroll 16
    for (int s = 0; s < S; ++s) bv[s] = *reinterpret_cast<const U*>(b + s * L);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const float av = a[r * p.a_row];  // broadcast by the vector-scalar product
#pragma GCC unroll 16
      for (int s = 0; s < S; ++s) acc[r][s] += av * bv[s];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int s = 0; s < S; ++s) *reinterpret_cast<U*>(c + r * p.ldc + s * L) = acc[r][s];
}

// All rows of the column strip [j0, j0 + S L), in the fewest blocks of at most max_rows(S) rows,
// their sizes differing by at most one (32 rows as 6 6 5 5 5 5, not 6 6 6 6 6 2).
template <int L, int S, int... Sizes>
[[gnu::always_inline]] inline void strip(const PointGemm& p, std::int64_t j0, std::integer_sequence<int, Sizes...>) {
  constexpr std::int64_t most = max_rows<L>(S);
  const std::int64_t blocks = (p.rows + most - 1) / most, base = p.rows / std::max<std::int64_t>(blocks, 1);
  const std::int64_t larger = p.rows - base * blocks;
  for (std::int64_t b = 0, r0 = 0; b < blocks; ++b) {
    const std::int64_t rows = base + (b < larger);
    ((rows == Sizes + 1 ? tile<L, Sizes + 1, S>(p, r0, j0) : void()), ...);
    r0 += rows;
  }
}
template <int L, int S> [[gnu::always_inline]] inline void strip(const PointGemm& p, std::int64_t j0) {
  strip<L, S>(p, j0, std::make_integer_sequence<int, max_rows<L>(S)>{});
}

// Strips of kMaxStrips vectors, then one narrower strip.
template <int L, int... Narrower>
[[gnu::always_inline]] inline void run(const PointGemm& p, std::integer_sequence<int, Narrower...>) {
  constexpr int S = kMaxStrips<L>;
  const std::int64_t vectors = p.cols / L;
  std::int64_t j = 0;
  for (; j + S <= vectors; j += S) strip<L, S>(p, j * L);
  const std::int64_t rest = vectors - j;
  ((rest == Narrower + 1 ? strip<L, Narrower + 1>(p, j * L) : void()), ...);
}

void point_gemm_avx2(const PointGemm& p) { run<8>(p, std::make_integer_sequence<int, kMaxStrips<8> - 1>{}); }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) void point_gemm_avx512(const PointGemm& p) {
  run<16>(p, std::make_integer_sequence<int, kMaxStrips<16> - 1>{});
}
bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
#else
void point_gemm_avx512(const PointGemm& p) { point_gemm_avx2(p); }
bool cpu_has_avx512() { return false; }
#endif

std::atomic<PointGemmSimd>& selected_simd() {
  static std::atomic<PointGemmSimd> simd{cpu_has_avx512() ? PointGemmSimd::avx512 : PointGemmSimd::avx2};
  return simd;
}

// An 8 x 8 block: out[j] = column j of the rows in[0..8).
using Row8 = Lanes<8>::type;
void transpose8(const Row8 (&in)[8], Row8 (&out)[8]) {
  Row8 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(in[i], in[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(in[i], in[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int h = 0; h < 2; ++h) {
      u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + 2 * h + 1] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  for (int j = 0; j < 4; ++j) {
    out[j] = __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    out[j + 4] = __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

}  // namespace

void point_gemm(const PointGemm& p) {
  if (selected_simd().load(std::memory_order_relaxed) == PointGemmSimd::avx512)
    point_gemm_avx512(p);
  else
    point_gemm_avx2(p);
}

void transpose_panel(const float* src, std::int64_t ld_src, std::int64_t rows, std::int64_t cols, float* dst,
                     std::int64_t ld_dst) {
  using U = Lanes<8>::unaligned;
  const std::int64_t whole = rows - rows % 8;
  for (std::int64_t i = 0; i < whole; i += 8)
    for (std::int64_t j = 0; j < cols; j += 8) {
      Row8 in[8], out[8];
      for (int r = 0; r < 8; ++r) in[r] = *reinterpret_cast<const U*>(src + (i + r) * ld_src + j);
      transpose8(in, out);
      for (int r = 0; r < 8; ++r) *reinterpret_cast<U*>(dst + (j + r) * ld_dst + i) = out[r];
    }
  for (std::int64_t i = whole; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) dst[j * ld_dst + i] = src[i * ld_src + j];
}

PointGemmSimd point_gemm_simd() { return selected_simd().load(); }

void set_point_gemm_simd(PointGemmSimd simd) {
  if (simd == PointGemmSimd::avx512 && !cpu_has_avx512())
    throw ValueError("set_point_gemm_simd: AVX-512 requested, but this CPU lacks AVX-512 F/BW/VL/DQ");
  selected_simd().store(simd);
}

}  // namespace xg::kernels
