#pragma once
// The AVX-512 paths of the Winograd transforms that read tiles straight from image rows and write
// outputs straight into them (internal to winograd.cpp; see there for when they apply). A padded
// image row of at most 16 floats is one vector, and the entries of a vector of 16 tiles are
// permuted out of a few such rows:
//   F(2x2, 5x5), "rows":  tile rows th, th + 1 of up to 8 tiles each (lane 8 h + tw)
//   F(4x4, 5x5), "quads": tile rows th .. th + 3 of 4 tiles each (lane 4 q + tw), the 16
//                         consecutive tiles of the point buffers
// The input gradients add each tile row's entries into one vector per padded row, in the order of
// the staged path of winograd.cpp (tile rows in order; in a tile row the entry columns j < m before
// j + m), so that both give the same bits.
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define XG_WINOGRAD_AVX512 "avx512f,avx512bw,avx512vl,avx512dq"  // target of the wide transforms
#endif

namespace xg::kernels::winograd_detail {
#ifdef XG_WINOGRAD_AVX512

typedef std::int32_t LaneIndex __attribute__((vector_size(64)));  // permute indices, lane arithmetic
constexpr LaneIndex kLane{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
[[gnu::target(XG_WINOGRAD_AVX512)]] inline __mmask16 first_lanes(std::int64_t n) {
  return static_cast<__mmask16>((1u << n) - 1);
}
// Rows of an image [h, w] placed at row `top`, column `left` of a plane 16 columns wide.
struct PaddedImage {
  const float* image;
  std::int64_t h, w, top, left;
  // Plane row p (zero outside the image).
  [[gnu::target(XG_WINOGRAD_AVX512)]] __m512 row(std::int64_t p) const {
    const std::int64_t i = p - top;
    if (i < 0 || i >= h) return _mm512_setzero_ps();
    const __m512 data = _mm512_maskz_loadu_ps(first_lanes(w), image + i * w);
    const __m512i from = __m512i(kLane - static_cast<std::int32_t>(left));
    return _mm512_maskz_permutexvar_ps(static_cast<__mmask16>(first_lanes(left + w) & ~first_lanes(left)), from, data);
  }
};

// d[i][j] = entry (i, j) of the tiles of tile rows th and th + 1 (S x S entries from row 2 th).
template <int S, class V>
[[gnu::target(XG_WINOGRAD_AVX512)]] void gather_rows(const PaddedImage& src, std::int64_t th, V (&d)[S][S]) {
  __m512 rows[S + 2];
  for (int k = 0; k < S + 2; ++k) rows[k] = src.row(2 * th + k);
  for (int j = 0; j < S; ++j) {
    const __mmask16 inside = first_lanes((17 - j) / 2);  // tiles whose column j is below 16
    const __mmask16 keep = static_cast<__mmask16>(inside | inside << 8);
    const __m512i from = __m512i((kLane >> 3) * 16 + (kLane & 7) * 2 + j);  // row i or i + 2, column 2 tile + j
    for (int i = 0; i < S; ++i) d[i][j] = V(_mm512_maskz_permutex2var_ps(keep, rows[i], from, rows[i + 2]));
  }
}

// Output rows 2 th + i and 2 (th + 1) + i (those below h) of out[i][0..1], plus `shift`, into
// y [h, w].
template <class V>
[[gnu::target(XG_WINOGRAD_AVX512)]] void scatter_output_rows(const V (&out)[2][2], std::int64_t th, float shift,
                                                             std::int64_t h, std::int64_t w, float* y) {
  for (int half = 0; half < 2; ++half) {
    const __m512i from = __m512i((kLane & 1) * 16 + (kLane >> 1) + 8 * half);  // column j of tile c / 2
    for (int i = 0; i < 2; ++i) {
      const std::int64_t row = 2 * (th + half) + i;
      if (row >= h) continue;
      const __m512 v = _mm512_permutex2var_ps(__m512(out[i][0]), from, __m512(out[i][1]));
      _mm512_mask_storeu_ps(y + row * w, first_lanes(w), _mm512_add_ps(v, _mm512_set1_ps(shift)));
    }
  }
}

// acc [rows][16] (the padded input-gradient plane) += the count tiles of dd, tile row th and then
// th + 1 (unless that is past tiles_h). Entries j = 2 s and 2 s + 1 cover the even and the odd
// columns from 2 s on: one permute interleaves them, and each column is added in order of s.
template <class V>
[[gnu::target(XG_WINOGRAD_AVX512)]] void accumulate_rows(const V (&dd)[6][6], std::int64_t th,
                                                         std::int64_t count, std::int64_t tiles_h, float* acc) {
  for (int half = 0; half < 2 && th + half < tiles_h; ++half)
    for (int i = 0; i < 6; ++i) {
      float* p = acc + (2 * (th + half) + i) * 16;
      __m512 row = _mm512_loadu_ps(p);
      for (int s = 0; s < 3; ++s) {  // column c takes lane (c - 2 s) / 2 of entry 2 s + c % 2
        const std::int64_t end = std::min<std::int64_t>(16, 2 * (s + count));
        const auto at = static_cast<__mmask16>(first_lanes(end) & ~first_lanes(2 * s));
        const __m512i from = __m512i((kLane & 1) * 16 + ((kLane - 2 * s) >> 1) + 8 * half);
        const __m512 entries = _mm512_maskz_permutex2var_ps(at, __m512(dd[i][2 * s]), from, __m512(dd[i][2 * s + 1]));
        row = _mm512_mask_add_ps(row, at, row, entries);
      }
      _mm512_storeu_ps(p, row);
    }
}

// dst [h, w] := acc rows [top, top + h), columns [left, left + w).
[[gnu::target(XG_WINOGRAD_AVX512)]] inline void crop_rows(const float* acc, std::int64_t top, std::int64_t left,
                                                         std::int64_t h, std::int64_t w, float* dst) {
  const __m512i from = __m512i(kLane + static_cast<std::int32_t>(left));
  for (std::int64_t i = 0; i < h; ++i)
    _mm512_mask_storeu_ps(dst + i * w, first_lanes(w),
                          _mm512_maskz_permutexvar_ps(first_lanes(w), from, _mm512_loadu_ps(acc + (top + i) * 16)));
}

// ---- quads: F(4x4, 5x5) on 4 tiles per tile row ---------------------------------------------------
// Lanes of the vectors below: lane 4 q + tw is tile (th + q, tw); entry (i, j) of that tile is
// padded row 4 (th + q) + i, column 4 tw + j.

// The mask of the lanes whose column 4 tw + shift lies in [0, 16).
[[gnu::target(XG_WINOGRAD_AVX512)]] inline __mmask16 quad_columns_inside(int shift) {
  unsigned mask = 0;
  for (int l = 0; l < 16; ++l)
    if (const int column = 4 * (l & 3) + shift; column >= 0 && column < 16) mask |= 1u << l;
  return static_cast<__mmask16>(mask);
}

// d[i][j] = entry (i, j) of the 16 tiles of tile rows th .. th + 3 (zero past column 15).
template <int S, class V>
[[gnu::target(XG_WINOGRAD_AVX512)]] void gather_quads(const PaddedImage& src, std::int64_t th, V (&d)[S][S]) {
  __m512 rows[S + 12];
  for (int k = 0; k < S + 12; ++k) rows[k] = src.row(4 * th + k);
  for (int j = 0; j < S; ++j) {
    const __mmask16 keep = quad_columns_inside(j);
    const __m512i from = __m512i(((kLane >> 2) & 1) * 16 + (kLane & 3) * 4 + j);  // row i + 4 (q % 2), column 4 tw + j
    for (int i = 0; i < S; ++i) {
      const __m512 upper = _mm512_maskz_permutex2var_ps(keep, rows[i], from, rows[i + 4]);  // tile rows th, th + 1
      const __m512 lower = _mm512_maskz_permutex2var_ps(keep, rows[i + 8], from, rows[i + 12]);
      d[i][j] = V(_mm512_mask_blend_ps(0xff00, upper, lower));
    }
  }
}

// row[q] = the 16 columns 4 tw + j (j < 4) of tile row th + q, entry row i: entry j of tile tw is
// lane 4 q + tw of e[j]. Pairs of entries are interleaved first (lane 8 (q % 2) + 2 tw + j % 2 of
// the pair), then two pairs.
template <class V> [[gnu::target(XG_WINOGRAD_AVX512)]] void quad_rows(const V* e, __m512 (&row)[4]) {
  for (int half = 0; half < 2; ++half) {  // tile rows 2 half, 2 half + 1
    const __m512i pairs = __m512i((kLane & 1) * 16 + 8 * half + 4 * (kLane >> 3) + ((kLane >> 1) & 3));
    const __m512 low = _mm512_permutex2var_ps(__m512(e[0]), pairs, __m512(e[1]));
    const __m512 high = _mm512_permutex2var_ps(__m512(e[2]), pairs, __m512(e[3]));
    for (int q = 0; q < 2; ++q) {  // column c: entry c % 4 of tile c / 4
      const __m512i from = __m512i(((kLane >> 1) & 1) * 16 + 8 * q + 2 * (kLane >> 2) + (kLane & 1));
      row[2 * half + q] = _mm512_permutex2var_ps(low, from, high);
    }
  }
}

// Output rows 4 (th + q) + i (those below h) of out, plus `shift`, into y [h, w].
template <class V>
[[gnu::target(XG_WINOGRAD_AVX512)]] void scatter_output_quads(const V (&out)[4][4], std::int64_t th, float shift,
                                                              std::int64_t h, std::int64_t w, float* y) {
  for (int i = 0; i < 4; ++i) {
    __m512 row[4];
    quad_rows(out[i], row);
    for (int q = 0; q < 4; ++q)
      if (const std::int64_t r = 4 * (th + q) + i; r < h)
        _mm512_mask_storeu_ps(y + r * w, first_lanes(w), _mm512_add_ps(row[q], _mm512_set1_ps(shift)));
  }
}

// acc [rows][16] (the padded input-gradient plane) += the 16 tiles of dd, tile row by tile row, in
// a tile row the entry columns j < 4 before j + 4 (columns 4 tw + j past 15 are dropped).
template <class V>
[[gnu::target(XG_WINOGRAD_AVX512)]] void accumulate_quads(const V (&dd)[8][8], std::int64_t th, float* acc) {
  __m512 rows[8][2][4];  // [i][entries j < 4 or j >= 4][q]
  for (int i = 0; i < 8; ++i)
    for (int s = 0; s < 2; ++s) quad_rows(dd[i] + 4 * s, rows[i][s]);
  const __mmask16 shifted = 0xfff0;  // columns 4 and on
  const __m512i from = __m512i(kLane - 4);
  for (int q = 0; q < 4; ++q)
    for (int i = 0; i < 8; ++i) {
      float* p = acc + (4 * (th + q) + i) * 16;
      __m512 row = _mm512_add_ps(_mm512_loadu_ps(p), rows[i][0][q]);
      const __m512 next = _mm512_maskz_permutexvar_ps(shifted, from, rows[i][1][q]);  // columns 4 (tw + 1) + j
      _mm512_storeu_ps(p, _mm512_mask_add_ps(row, shifted, row, next));
    }
}

#endif
}  // namespace xg::kernels::winograd_detail
