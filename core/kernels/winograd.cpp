// Winograd convolution kernels (see winograd.hpp for the scheme).
//
// The transforms themselves (compile-time matrices, unrolled sandwiches) are in
// winograd_transforms.hpp. A transform works on kLanes tiles of
// one tile row at once (a vector of kLanes elements per tile entry), or with AVX-512 on two tile
// rows (16 lanes). Images are staged through a zero-padded plane so that tiles never need bounds
// checks: the input plane holds the padding around the image, the output and gradient planes are
// whole tiles, and the input-gradient plane accumulates the overlapping tiles before its interior
// is copied out (with AVX-512, a row at a time by masked vector moves). With AVX-512, F(2x2, 5x5)
// on images whose padded rows fit in one vector (the 14 x 14 layers of the tutorial CNN) skips the
// plane: tile entries are permuted straight out of the image rows and outputs into them.
//
// Per block of images (one task, ~100 tiles) the transformed tiles live in point buffers
// [36][channels][tiles] that the point products read and write in place: for float the
// register-blocked kernels of winograd_gemm.hpp (no packing), for double serial BLAS calls.
#include <xgrad/core/kernels/winograd.hpp>

#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/kernels/winograd_gemm.hpp>
#include <xgrad/core/kernels/winograd_transforms.hpp>
#include <xgrad/core/parallel.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define XG_WINOGRAD_AVX512 "avx512f,avx512bw,avx512vl,avx512dq"  // target of the wide transforms
#endif

namespace xg::kernels {
namespace {

using namespace winograd_detail;  // kAlpha, kPoints, Winograd<m, r>, Transforms<W>, unroll
constexpr int kLanes = 8;                  // tiles transformed together
constexpr std::int64_t kBlockTiles = 196;  // tiles per block of images (one task): 4 tutorial 14x14 images,
                                           // whose 196 tiles pad to 208 columns (98 padded to 112)
constexpr std::int64_t kMaxPartials = 8;   // weight-gradient partial sums over the batch

// kLanes elements as one vector (`type`), and the same vector at any element alignment (`unaligned`,
// so that loads and stores are single unaligned vector moves).
// Calls fn(p, count) for groups of up to kLanes of `pairs` items, in parallel.
template <class Fn> void for_each_pair_group(std::int64_t pairs, Fn&& fn) {
  parallel_for(0, (pairs + kLanes - 1) / kLanes, 16, [&](std::int64_t g0, std::int64_t g1) {
    for (std::int64_t gi = g0; gi < g1; ++gi) fn(gi * kLanes, std::min<std::int64_t>(kLanes, pairs - gi * kLanes));
  });
}

// R tile rows of kLanes tiles as one vector (`type`; R = 2 only for float, in AVX-512 code), and
// one row's kLanes elements at any element alignment (`unaligned`, single unaligned vector moves).
template <class T, int R = 1> struct LaneVector {
  typedef T type __attribute__((vector_size(R * kLanes * sizeof(T))));
  using lane_int = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  typedef lane_int mask __attribute__((vector_size(R * kLanes * sizeof(T))));  // -1 / 0 per lane
  typedef T unaligned __attribute__((vector_size(kLanes * sizeof(T)), aligned(alignof(T)), may_alias));
};
template <class T, class V> constexpr int vector_rows = sizeof(V) / (kLanes * sizeof(T));

// ---- tile layout ----------------------------------------------------------------------------------
// Tiles of m x m outputs; a block's tile t = (image * tiles_h + th) * tiles_w + tw, and tile (th, tw)
// covers rows th*m .. th*m + 5 and columns tw*m .. tw*m + 5 of a plane. A plane is stored as m
// phase planes, column c at (phase c % m, position c / m), so that entry (i, j) of kLanes
// consecutive tiles is one contiguous vector: phase j % m, row th*m + i, positions tw0 + j / m + l.
// The planes hold one tile row more than the image needs, so that a vector of two tile rows
// (AVX-512) can always be read and written; what lands there is never used.
template <class W> struct Tiling {
  static constexpr std::int64_t m = W::m, r = W::r;
  std::int64_t tiles_h, tiles_w, per_image, groups_w, plane_h, phase_w, images_per_block;
  explicit Tiling(const Conv2dGeometry& g) {
    tiles_h = (g.out_h + m - 1) / m;
    tiles_w = (g.out_w + m - 1) / m;
    per_image = tiles_h * tiles_w;
    groups_w = (tiles_w + kLanes - 1) / kLanes;
    plane_h = (tiles_h + 1) * m + r - 1;
    phase_w = groups_w * kLanes + (kAlpha - 1) / m + 1;
    images_per_block = std::clamp<std::int64_t>(kBlockTiles / per_image, 1, std::max<std::int64_t>(g.batch, 1));
  }
  std::int64_t plane_size() const { return m * plane_h * phase_w; }
  // Offset of the vector of entry (i, j) of the tile group starting at (th, tw0); the same entry
  // of tile row th + 1 is row_step() further.
  std::int64_t lanes(std::int64_t th, std::int64_t tw0, int i, int j) const {
    return ((j % m) * plane_h + th * m + i) * phase_w + tw0 + j / m;
  }
  std::int64_t row_step() const { return m * phase_w; }
};

template <class V, class T> V load_vector(const T* p) {
  return *reinterpret_cast<const typename LaneVector<T>::unaligned*>(p);
}
template <class V, class T> void store_vector(T* p, const V& v) {
  *reinterpret_cast<typename LaneVector<T>::unaligned*>(p) = v;
}

// Row h of a vector of one or two tile rows.
template <int h, class T, class V> [[gnu::always_inline]] inline auto row_of(const V& v) {
  if constexpr (vector_rows<T, V> == 1)
    return v;
  else if constexpr (h == 0)
    return __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
  else
    return __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
}

// A vector of one or two tile rows: the row of p, and for two the row `step` elements further.
template <class V, class T> [[gnu::always_inline]] inline V load_rows(const T* p, std::int64_t step) {
  if constexpr (vector_rows<T, V> == 1) {
    return load_vector<V>(p);
  } else {
    using H = typename LaneVector<T>::type;
    const H lo = load_vector<H>(p), hi = load_vector<H>(p + step);
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  }
}
template <class V, class T> [[gnu::always_inline]] inline void store_rows(T* p, std::int64_t step, const V& v) {
  if constexpr (vector_rows<T, V> == 1) {
    store_vector(p, v);
  } else {
    store_vector(p, row_of<0, T>(v));
    store_vector(p + step, row_of<1, T>(v));
  }
}

// Calls fn(offset, j0, count) for each phase of plane row `row`: image columns j0, j0 + m, ...
// (count of them, of an image row of w columns placed at plane column `left`) are that phase's
// consecutive entries from plane offset `offset` on.
template <class W, class Fn>
void for_each_phase(const Tiling<W>& tl, std::int64_t row, std::int64_t w, std::int64_t left, Fn&& fn) {
  constexpr std::int64_t m = W::m;
  for (std::int64_t p = 0; p < m; ++p) {
    const std::int64_t j0 = ((p - left) % m + m) % m;
    if (j0 < w) fn((p * tl.plane_h + row) * tl.phase_w + (j0 + left) / m, j0, (w - j0 + m - 1) / m);
  }
}

// A phase run and its image columns: d[k] = s[k * m] (gather_run) and d[k * m] = s[k] + shift
// (scatter_run) for k < count. The AVX-512 versions move 16 / m run entries at a time: a masked
// load, one permute, a masked store (lanes past the row are neither read nor written).
#ifdef XG_WINOGRAD_AVX512
typedef std::int32_t LaneIndex __attribute__((vector_size(64)));  // permute indices, lane arithmetic
constexpr LaneIndex kLane{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
[[gnu::target(XG_WINOGRAD_AVX512)]] inline __mmask16 first_lanes(std::int64_t n) {
  return static_cast<__mmask16>((1u << n) - 1);
}
template <int m>
[[gnu::target(XG_WINOGRAD_AVX512)]] void gather_run_avx512(const float* s, std::int64_t count, float* d) {
  static_assert(16 % m == 0);
  const __m512i index = __m512i(kLane * m);  // lane k takes column k * m
  for (std::int64_t k0 = 0; k0 < count; k0 += 16 / m) {
    const std::int64_t n = std::min<std::int64_t>(16 / m, count - k0);
    const __mmask16 lanes = first_lanes(n);
    const __m512 row = _mm512_maskz_loadu_ps(first_lanes((n - 1) * m + 1), s + k0 * m);
    _mm512_mask_storeu_ps(d + k0, lanes, _mm512_maskz_permutexvar_ps(lanes, index, row));
  }
}
template <int m>
[[gnu::target(XG_WINOGRAD_AVX512)]] void scatter_run_avx512(const float* s, std::int64_t count, float shift, float* d) {
  static_assert(16 % m == 0);
  const __m512i index = __m512i(kLane / m);  // column c takes entry c / m
  __mmask16 every_mth = 0;
  for (int c = 0; c < 16; c += m) every_mth |= static_cast<__mmask16>(1u << c);
  for (std::int64_t k0 = 0; k0 < count; k0 += 16 / m) {
    const std::int64_t n = std::min<std::int64_t>(16 / m, count - k0);
    const __m512 run = _mm512_maskz_loadu_ps(first_lanes(n), s + k0);
    const __mmask16 lanes = every_mth & first_lanes((n - 1) * m + 1);
    const __m512 row = _mm512_add_ps(_mm512_maskz_permutexvar_ps(lanes, index, run), _mm512_set1_ps(shift));
    _mm512_mask_storeu_ps(d + k0 * m, lanes, row);
  }
}
#endif

template <int R, int m, class T> void gather_run(const T* s, std::int64_t count, T* d) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (R == 2) return gather_run_avx512<m>(s, count, d);
#endif
  for (std::int64_t k = 0; k < count; ++k) d[k] = s[k * m];
}
template <int R, int m, class T> void scatter_run(const T* s, std::int64_t count, T shift, T* d) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (R == 2) return scatter_run_avx512<m>(s, count, shift, d);
#endif
  for (std::int64_t k = 0; k < count; ++k) d[k * m] = s[k] + shift;
}

// src [h, w] into plane rows [top, top + h), columns [left, left + w). The rest of the plane is
// left as it is: the stages zero it once, and every image they load covers the same entries.
template <int R, class W, class T>
void load_plane(const T* src, std::int64_t h, std::int64_t w, std::int64_t top, std::int64_t left, const Tiling<W>& tl,
                T* plane) {
  for (std::int64_t i = 0; i < h; ++i)
    for_each_phase(tl, i + top, w, left, [&](std::int64_t offset, std::int64_t j0, std::int64_t count) {
      gather_run<R, W::m>(src + i * w + j0, count, plane + offset);
    });
}

// dst [h, w] := plane rows [top, top + h), columns [left, left + w), plus `shift`.
template <int R, class W, class T>
void store_plane(const T* plane, const Tiling<W>& tl, std::int64_t top, std::int64_t left, T shift, std::int64_t h,
                 std::int64_t w, T* dst) {
  for (std::int64_t i = 0; i < h; ++i)
    for_each_phase(tl, i + top, w, left, [&](std::int64_t offset, std::int64_t j0, std::int64_t count) {
      scatter_run<R, W::m>(plane + offset, count, shift, dst + i * w + j0);
    });
}

// ---- narrow F(2x2, 5x5) straight from the image rows (AVX-512) -----------------------------------
// When m = 2, R = 2 and an image row with its left padding fits in one vector of 16 floats (one
// group of at most 8 tiles per tile row), the transforms skip the staging plane: a padded row is
// one masked load and a shift; entry (i, j) of the 16 tiles of tile rows th, th + 1 is one
// two-source permute of padded rows 2 th + i and 2 th + 2 + i (columns j, j + 2, ..., zero past
// the 16); an output row interleaves two output vectors; and the input gradient accumulates each
// padded row in one vector, adding a tile row's entries in the order of the staged path (tile rows
// in order, and in a tile row an entry column j before j + 2), so that both give the same bits.
template <int R, class W, class T> bool rows_fit(const Tiling<W>& tl, const Conv2dGeometry& g) {
  if constexpr (R == 2 && W::m == 2 && std::is_same_v<T, float>)
    return tl.groups_w == 1 && g.window.pad_left >= 0 && g.window.pad_left + g.in_w <= 16 && g.out_w <= 16;
  else
    return false;
}

#ifdef XG_WINOGRAD_AVX512

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
[[gnu::target(XG_WINOGRAD_AVX512)]] void accumulate_rows(const V (&dd)[kAlpha][kAlpha], std::int64_t th,
                                                         std::int64_t count, std::int64_t tiles_h, float* acc) {
  for (int half = 0; half < 2 && th + half < tiles_h; ++half)
    for (int i = 0; i < kAlpha; ++i) {
      float* p = acc + (2 * (th + half) + i) * 16;
      __m512 row = _mm512_loadu_ps(p);
      for (int s = 0; s < kAlpha / 2; ++s) {  // column c takes lane (c - 2 s) / 2 of entry 2 s + c % 2
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
#endif

// The steps above for any T and V, doing nothing where rows_fit is false (so never called there).
template <class V, class T> constexpr bool kRowVectors = std::is_same_v<T, float> && vector_rows<T, V> == 2;
template <int S, class T, class V>
void gather_image(const T* image, std::int64_t h, std::int64_t w, std::int64_t top, std::int64_t left, std::int64_t th,
                  V (&d)[S][S]) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (kRowVectors<V, T>) gather_rows(PaddedImage{image, h, w, top, left}, th, d);
#endif
}
template <int S, class T, class V>
void scatter_output(const V (&out)[S][S], std::int64_t th, T shift, std::int64_t h, std::int64_t w, T* y) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (kRowVectors<V, T> && S == 2) scatter_output_rows(out, th, shift, h, w, y);
#endif
}
template <class T, class V>
void accumulate_image(const V (&dd)[kAlpha][kAlpha], std::int64_t th, std::int64_t count, std::int64_t tiles_h,
                      T* acc) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (kRowVectors<V, T>) accumulate_rows(dd, th, count, tiles_h, acc);
#endif
}
template <class T>
void crop_image(const T* acc, std::int64_t top, std::int64_t left, std::int64_t h, std::int64_t w, T* dst) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (std::is_same_v<T, float>) crop_rows(acc, top, left, h, w, dst);
#endif
}

constexpr std::int64_t round_up(std::int64_t n, std::int64_t step) { return (n + step - 1) / step * step; }

// A block's transformed tiles: [36][rows][tiles], rows ld >= tiles + kLanes elements apart so that
// whole vectors of kLanes tiles can be stored and loaded at any tile, ld a multiple of the
// point products' column step (their last vector of columns runs into the padding). Points are
// one cache line more than rows * ld apart: the 36 vectors a transform stores or loads at once
// would otherwise fall into one L1 set whenever rows * ld is a multiple of 4 KiB.
template <class T> struct PointBuffer {
  static constexpr std::int64_t kSkew = 64 / sizeof(T);
  static std::int64_t pitch(std::int64_t tiles) { return round_up(tiles + kLanes, kPointGemmColumns); }
  std::int64_t rows, ld;
  Scratch<T> data;
  PointBuffer(std::int64_t rows_, std::int64_t max_tiles)
      : rows(rows_), ld(pitch(max_tiles)), data(kPoints * (rows_ * pitch(max_tiles) + kSkew)) {}
  void resize(std::int64_t tiles) { ld = pitch(tiles); }  // within the allocated max_tiles
  std::int64_t point_step() const { return rows * ld + kSkew; }
  T* row(int xi, std::int64_t r) const { return data.get() + xi * point_step() + r * ld; }
};

// Calls fn(th, tw0, count, t) for each group of up to kLanes tiles of R tile rows (th, and th + 1
// when R = 2): t is the block index of tile (th, tw0) of image `image` of the block, the same tile
// of row th + 1 is tiles_w further. Both R visit the tiles in one order (pairs of tile rows; in a
// pair the groups from last to first, each on row th before row th + 1), so that the sums
// transform_input_grad accumulates are the same. A group's lanes past its tiles land on later
// tiles of the buffers (the next row's first group, written after them) or in the rows' padding;
// for R = 2 the second row of the last pair may lie past the image (read from the extra plane
// row, stored over the next image's first row, written after it, or into the padding; never
// accumulated into dx).
template <int R, class W, class Fn> void for_each_tile_group(const Tiling<W>& tl, std::int64_t image, Fn&& fn) {
  for (std::int64_t th = 0; th < tl.tiles_h; th += 2)
    for (std::int64_t gw = tl.groups_w - 1; gw >= 0; --gw) {
      const std::int64_t tw0 = gw * kLanes, count = std::min<std::int64_t>(kLanes, tl.tiles_w - tw0);
      for (std::int64_t h = th; h < std::min(th + 2, tl.tiles_h); h += R)
        fn(h, tw0, count, (image * tl.tiles_h + h) * tl.tiles_w + tw0);
    }
}

// d[i][j] = the S x S entries of the tile group (th, tw0) (and row th + 1).
template <int S, class W, class T, class V>
void gather(const T* plane, const Tiling<W>& tl, std::int64_t th, std::int64_t tw0, V (&d)[S][S]) {
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < S; ++j) d[i][j] = load_rows<V>(plane + tl.lanes(th, tw0, i, j), tl.row_step());
}

// buf[xi][row][t .. t + kLanes) := v[xi / 6][xi % 6] (and the second tile row at t + tiles_w), and back.
template <class T, class V>
void store_points(const V (&v)[kAlpha][kAlpha], const PointBuffer<T>& buf, std::int64_t row, std::int64_t t,
                  std::int64_t tiles_w) {
  T* dst = buf.row(0, row) + t;
  const std::int64_t step = buf.point_step();
  unroll<kPoints>([&](auto xi) { store_rows(dst + xi * step, tiles_w, v[xi / kAlpha][xi % kAlpha]); });
}
template <class T, class V>
void load_points(const PointBuffer<T>& buf, std::int64_t row, std::int64_t t, std::int64_t tiles_w,
                 V (&v)[kAlpha][kAlpha]) {
  const T* src = buf.row(0, row) + t;
  const std::int64_t step = buf.point_step();
  unroll<kPoints>([&](auto xi) { v[xi / kAlpha][xi % kAlpha] = load_rows<V>(src + xi * step, tiles_w); });
}

// Asks for the cache lines of the next image plane [p, p + n) while the current one is transformed
// (the strided row loads of a plane reach memory before the hardware prefetcher catches on).
template <class T> void prefetch_plane(const T* p, std::int64_t n) {
  const char* bytes = reinterpret_cast<const char*>(p);
  for (std::int64_t k = 0; k < n * static_cast<std::int64_t>(sizeof(T)); k += 64) __builtin_prefetch(bytes + k);
}

// The block transforms on vectors of R tile rows (R = 2 only for float in AVX-512 code).
// V [36][C][T] of images [n0, n1) of x.
template <class W, int R, class T>
void transform_input(const T* x, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g, const Tiling<W>& tl,
                     T* plane, const PointBuffer<T>& v_buf) {
  using V = typename LaneVector<T, R>::type;
  const std::int64_t top = g.window.pad_top, left = g.window.pad_left;
  const bool direct = rows_fit<R, W, T>(tl, g);
  if (!direct) std::fill(plane, plane + tl.plane_size(), T(0));
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t c = 0; c < g.channels; ++c) {
      const T* image = x + (n * g.channels + c) * g.in_h * g.in_w;
      prefetch_plane(image + g.in_h * g.in_w, g.in_h * g.in_w);
      if (!direct) load_plane<R>(image, g.in_h, g.in_w, top, left, tl, plane);
      for_each_tile_group<R>(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t /*count*/, std::int64_t t) {
        V d[kAlpha][kAlpha], v[kAlpha][kAlpha];
        if (direct)
          gather_image(image, g.in_h, g.in_w, top, left, th, d);
        else
          gather(plane, tl, th, tw0, d);
        Transforms<W>::template input<T>(d, v);
        store_points(v, v_buf, c, t, tl.tiles_w);
      });
    }
}

// dM [36][O][T] of images [n0, n1) of grad.
template <class W, int R, class T>
void transform_output_grad(const T* grad, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g,
                           const Tiling<W>& tl, T* plane, const PointBuffer<T>& dm_buf) {
  using V = typename LaneVector<T, R>::type;
  const bool direct = rows_fit<R, W, T>(tl, g);
  if (!direct) std::fill(plane, plane + tl.plane_size(), T(0));
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o) {
      const T* image = grad + (n * g.out_channels + o) * g.out_h * g.out_w;
      prefetch_plane(image + g.out_h * g.out_w, g.out_h * g.out_w);
      if (!direct) load_plane<R>(image, g.out_h, g.out_w, 0, 0, tl, plane);
      for_each_tile_group<R>(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t /*count*/, std::int64_t t) {
        V dy[W::m][W::m], dm[kAlpha][kAlpha];
        if (direct)
          gather_image(image, g.out_h, g.out_w, 0, 0, th, dy);
        else
          gather(plane, tl, th, tw0, dy);
        Transforms<W>::template output_adjoint<T>(dy, dm);
        store_points(dm, dm_buf, o, t, tl.tiles_w);
      });
    }
}

// y of images [n0, n1) = act(A^T M A + b).
template <class W, int R, class T>
void transform_output(const PointBuffer<T>& m_buf, const T* bias, Activation act, std::int64_t n0, std::int64_t n1,
                      const Conv2dGeometry& g, const Tiling<W>& tl, T* plane, T* y) {
  using V = typename LaneVector<T, R>::type;
  constexpr int m = W::m;
  const std::int64_t out_plane = g.out_h * g.out_w;
  const bool direct = rows_fit<R, W, T>(tl, g);
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o) {
      T* image = y + (n * g.out_channels + o) * out_plane;
      const T shift = bias ? bias[o] : T(0);
      for_each_tile_group<R>(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t /*count*/, std::int64_t t) {
        V mm[kAlpha][kAlpha], out[m][m];
        load_points(m_buf, o, t, tl.tiles_w, mm);
        Transforms<W>::template output<T>(mm, out);
        if (direct) return scatter_output(out, th, shift, g.out_h, g.out_w, image);
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < m; ++j) store_rows(plane + tl.lanes(th, tw0, i, j), tl.row_step(), out[i][j]);
      });
      if (!direct) store_plane<R>(plane, tl, 0, 0, shift, g.out_h, g.out_w, image);
      apply_activation<T>(act, image, out_plane);  // while the image is in L1
    }
}

// dx of images [n0, n1) = the overlapping tiles B dV B^T, cropped to the image.
template <class W, int R, class T>
void transform_input_grad(const PointBuffer<T>& dv_buf, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g,
                          const Tiling<W>& tl, T* plane, T* dx) {
  using V = typename LaneVector<T, R>::type;
  using H = typename LaneVector<T>::type;
  using Mask = typename LaneVector<T, R>::mask;
  const std::int64_t in_plane = g.in_h * g.in_w, top = g.window.pad_top, left = g.window.pad_left;
  const bool direct = rows_fit<R, W, T>(tl, g);  // then the plane is [plane_h][16] padded rows
  const std::int64_t plane_size = direct ? tl.plane_h * 16 : tl.plane_size();
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t c = 0; c < g.channels; ++c) {
      T* image = dx + (n * g.channels + c) * in_plane;
      std::fill(plane, plane + plane_size, T(0));
      for_each_tile_group<R>(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t count, std::int64_t t) {
        V dv[kAlpha][kAlpha], dd[kAlpha][kAlpha];
        load_points(dv_buf, c, t, tl.tiles_w, dv);
        if (direct) {  // adds only the group's lanes
          Transforms<W>::template input_adjoint<T>(dv, dd);
          return accumulate_image(dd, th, count, tl.tiles_h, plane);
        }
        if (count < kLanes) {  // lanes past the group belong to other tiles
          Mask keep;
          for (int l = 0; l < R * kLanes; ++l) keep[l] = l % kLanes < count ? -1 : 0;
          for (auto& row : dv)
            for (V& lanes : row) lanes = keep ? lanes : V{};
        }
        Transforms<W>::template input_adjoint<T>(dv, dd);
        unroll<R>([&](auto h) {  // row th's tiles before row th + 1's (they overlap)
          if (th + h >= tl.tiles_h) return;  // past the image: it would overlap the last row
          // Entries j and j + m of a tile group overlap one lane apart: adding them by shift
          // j / m keeps a load from overlapping the store just before it.
          for (int shift = 0; shift * W::m < kAlpha; ++shift)
            for (int i = 0; i < kAlpha; ++i)
              for (int phase = 0; phase < W::m && shift * W::m + phase < kAlpha; ++phase) {
                const int j = shift * W::m + phase;
                T* p = plane + tl.lanes(th + h, tw0, i, j);
                store_vector(p, load_vector<H>(p) + row_of<decltype(h)::value, T>(dd[i][j]));
              }
        });
      });
      if (direct)
        crop_image(plane, top, left, g.in_h, g.in_w, image);
      else
        store_plane<R>(plane, tl, top, left, T(0), g.in_h, g.in_w, image);
    }
}

// U [36][O*C] = G w G^T and dw = G^T dU G for every pair p = (o, c), kLanes pairs at a time.
template <class W, class T> void transform_weight(const T* w, const Conv2dGeometry& g, T* u) {
  using V = typename LaneVector<T>::type;
  constexpr int r = W::r;
  const std::int64_t pairs = g.out_channels * g.channels;
  for_each_pair_group(pairs, [&](std::int64_t p, std::int64_t count) {
    V taps[r][r]{}, points[kAlpha][kAlpha];
    for (std::int64_t l = 0; l < count; ++l)
      for (int k = 0; k < r * r; ++k) taps[k / r][k % r][l] = w[(p + l) * r * r + k];
    Transforms<W>::template kernel<T>(taps, points);
    for (int xi = 0; xi < kPoints; ++xi)
      for (std::int64_t l = 0; l < count; ++l) u[xi * pairs + p + l] = points[xi / kAlpha][xi % kAlpha][l];
  });
}

// dU is [36][O][pitch] here (pitch >= C).
template <class W, class T>
void transform_weight_grad(const T* du, std::int64_t pitch, const Conv2dGeometry& g, T* dw) {
  using V = typename LaneVector<T>::type;
  constexpr int r = W::r;
  const std::int64_t C = g.channels, pairs = g.out_channels * C, step = g.out_channels * pitch;
  for_each_pair_group(pairs, [&](std::int64_t p, std::int64_t count) {
    V points[kAlpha][kAlpha]{}, taps[r][r];
    std::int64_t at[kLanes];
    for (std::int64_t l = 0; l < count; ++l) at[l] = (p + l) / C * pitch + (p + l) % C;
    for (int xi = 0; xi < kPoints; ++xi)
      for (std::int64_t l = 0; l < count; ++l) points[xi / kAlpha][xi % kAlpha][l] = du[xi * step + at[l]];
    Transforms<W>::template kernel_adjoint<T>(points, taps);
    for (std::int64_t l = 0; l < count; ++l)
      for (int k = 0; k < r * r; ++k) dw[(p + l) * r * r + k] = taps[k / r][k % r][l];
  });
}

// ---- narrow and wide transforms -------------------------------------------------------------------
// When the point products run on AVX-512, float blocks are transformed on vectors of two tile rows
// (16 tiles): the same code on twice the lanes, compiled for AVX-512 and inlined whole (flatten).
// Each lane computes what it computes on one row, so results do not depend on the choice.
enum class Stage { input, output_grad, output, input_grad };

template <Stage S, class W, int R, class T, class... A> void run_stage(const A&... a) {
  if constexpr (S == Stage::input)
    transform_input<W, R, T>(a...);
  else if constexpr (S == Stage::output_grad)
    transform_output_grad<W, R, T>(a...);
  else if constexpr (S == Stage::output)
    transform_output<W, R, T>(a...);
  else
    transform_input_grad<W, R, T>(a...);
}

#ifdef XG_WINOGRAD_AVX512
template <Stage S, class W, class... A>
[[gnu::target(XG_WINOGRAD_AVX512), gnu::flatten]] void run_wide_stage(const A&... a) {
  run_stage<S, W, 2, float>(a...);
}
#else
template <Stage S, class W, class... A> void run_wide_stage(const A&... a) { run_stage<S, W, 1, float>(a...); }
#endif

template <class T> bool wide_transforms() {
  return std::is_same_v<T, float> && point_gemm_simd() == PointGemmSimd::avx512;
}
template <Stage S, class W, class T, class... A> void transform(bool wide, const A&... a) {
  if constexpr (std::is_same_v<T, float>)
    if (wide) return run_wide_stage<S, W>(a...);
  run_stage<S, W, 1, T>(a...);
}

// ---- the point products ---------------------------------------------------------------------------
// float runs on the register-blocked kernels of winograd_gemm.hpp, double on serial BLAS calls.

// out_xi [rows][tiles] (+)= A_xi [rows][depth] b_xi [depth][tiles] for every point, with
// A_xi(r, k) = a[xi * a_step + r * a_row + k * a_depth] (one of a_row, a_depth is 1).
template <class T>
void panel_products(std::int64_t rows, std::int64_t depth, std::int64_t tiles, const T* a, std::int64_t a_step,
                    std::int64_t a_row, std::int64_t a_depth, const PointBuffer<T>& b, const PointBuffer<T>& out) {
  for (int xi = 0; xi < kPoints; ++xi) {
    const T* axi = a + xi * a_step;
    if constexpr (std::is_same_v<T, float>)
      point_gemm({.rows = rows, .depth = depth, .cols = round_up(tiles, kPointGemmColumns), .a = axi, .a_row = a_row,
                  .a_depth = a_depth, .b = b.row(xi, 0), .ldb = b.ld, .c = out.row(xi, 0), .ldc = out.ld,
                  .accumulate = false});
    else
      gemm_serial<T>(a_depth != 1, false, rows, tiles, depth, 1.0, axi, a_depth == 1 ? a_row : a_depth, b.row(xi, 0),
                     b.ld, 0.0, out.row(xi, 0), out.ld);
  }
}

// Row pitch of the weight-gradient products dU [36][O][pitch]: whole vectors of the float kernels.
template <class T> std::int64_t weight_pitch(std::int64_t channels) {
  return std::is_same_v<T, float> ? round_up(channels, kPointGemmColumns) : channels;
}

// dU_xi [O][pitch] (+)= dM_xi V_xi^T over the block's tiles. float transposes V_xi into `panel`
// [round_up(tiles, 8)][pitch] (its columns past C stay zero) and runs dU_xi += dM_xi panel.
template <class T>
void weight_products(const PointBuffer<T>& dm, const PointBuffer<T>& v, std::int64_t tiles, bool accumulate, T* du,
                     std::int64_t pitch, T* panel) {
  const std::int64_t O = dm.rows, C = v.rows;
  for (int xi = 0; xi < kPoints; ++xi) {
    T* out = du + xi * O * pitch;
    if constexpr (std::is_same_v<T, float>) {
      transpose_panel(v.row(xi, 0), v.ld, C, tiles, panel, pitch);
      point_gemm({.rows = O, .depth = tiles, .cols = pitch, .a = dm.row(xi, 0), .a_row = dm.ld, .a_depth = 1,
                  .b = panel, .ldb = pitch, .c = out, .ldc = pitch, .accumulate = accumulate});
    } else {
      gemm_serial<T>(false, true, O, C, tiles, 1.0, dm.row(xi, 0), dm.ld, v.row(xi, 0), v.ld, accumulate ? 1.0 : 0.0,
                     out, pitch);
    }
  }
}

// ---- the two drivers ------------------------------------------------------------------------------
template <class W, class T>
void forward(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g, Activation act) {
  const Tiling<W> tl(g);
  const std::int64_t O = g.out_channels, C = g.channels;
  Scratch<T> u(kPoints * O * C);
  transform_weight<W>(w, g, u.get());
  const bool wide = wide_transforms<T>();
  parallel_chunks(g.batch, tl.images_per_block, [&](std::int64_t, std::int64_t n0, std::int64_t n1) {
    const std::int64_t tiles = (n1 - n0) * tl.per_image;
    Scratch<T> plane(tl.plane_size());
    PointBuffer<T> v(C, tiles), m(O, tiles);  // V [36][C][T], M [36][O][T]
    transform<Stage::input, W, T>(wide, x, n0, n1, g, tl, plane.get(), v);
    panel_products<T>(O, C, tiles, u.get(), O * C, C, 1, v, m);
    transform<Stage::output, W, T>(wide, m, b, act, n0, n1, g, tl, plane.get(), y);
  });
}

// Both adjoints in one pass over the batch, each block's dM = A dy A^T shared by the two:
//   dU += dM V^T (V = B^T x B)    then    dV = U^T dM, dx = B dV B^T  (V's buffer reused for dV).
// dx or dw may be null. Fixed chunks of whole blocks (sizes only): chunk 0 sums its dU into du,
// chunk k > 0 into partial k - 1, and the partials are added in chunk order.
template <class W, class T>
void backward(const T* x, const T* grad, const T* w, T* dx, T* dw, const Conv2dGeometry& g) {
  const Tiling<W> tl(g);
  const std::int64_t O = g.out_channels, C = g.channels, N = g.batch, pitch = weight_pitch<T>(C);
  const std::int64_t usize = kPoints * O * pitch;
  if (N == 0) {
    if (dw) std::fill(dw, dw + O * C * W::r * W::r, T(0));
    return;
  }
  Scratch<T> u(dx ? kPoints * O * C : 0);
  if (dx) transform_weight<W>(w, g, u.get());
  const std::int64_t blocks = (N + tl.images_per_block - 1) / tl.images_per_block;
  const std::int64_t chunk = ((blocks + kMaxPartials - 1) / kMaxPartials) * tl.images_per_block;
  const std::int64_t chunks = (N + chunk - 1) / chunk;
  Scratch<T> du(dw ? usize : 0), partial(dw ? (chunks - 1) * usize : 0);
  const bool wide = wide_transforms<T>();
  parallel_chunks(N, chunk, [&](std::int64_t k, std::int64_t c0, std::int64_t c1) {
    T* acc = !dw ? nullptr : k == 0 ? du.get() : partial.get() + (k - 1) * usize;
    const std::int64_t max_tiles = std::min(c1 - c0, tl.images_per_block) * tl.per_image;
    Scratch<T> plane(tl.plane_size());
    PointBuffer<T> dm(O, max_tiles), v(C, max_tiles);  // dM [36][O][T], V then dV [36][C][T]
    const std::int64_t panel_size = dw ? round_up(max_tiles, kLanes) * pitch : 0;
    Scratch<T> panel(panel_size);
    std::fill(panel.get(), panel.get() + panel_size, T(0));
    for (std::int64_t n0 = c0; n0 < c1; n0 += tl.images_per_block) {
      const std::int64_t n1 = std::min(c1, n0 + tl.images_per_block), tiles = (n1 - n0) * tl.per_image;
      dm.resize(tiles), v.resize(tiles);
      transform<Stage::output_grad, W, T>(wide, grad, n0, n1, g, tl, plane.get(), dm);
      if (dw) {
        transform<Stage::input, W, T>(wide, x, n0, n1, g, tl, plane.get(), v);
        weight_products<T>(dm, v, tiles, n0 != c0, acc, pitch, panel.get());
      }
      if (dx) {
        panel_products<T>(C, O, tiles, u.get(), O * C, 1, C, dm, v);
        transform<Stage::input_grad, W, T>(wide, v, n0, n1, g, tl, plane.get(), dx);
      }
    }
  });
  if (!dw) return;
  for (std::int64_t k = 1; k < chunks; ++k) {
    const T* p = partial.get() + (k - 1) * usize;
    for (std::int64_t e = 0; e < usize; ++e) du.get()[e] += p[e];
  }
  transform_weight_grad<W>(du.get(), pitch, g, dw);
}

// Runs fn.template operator()<Winograd<m, r>>() for the kernel size of g.
template <class Fn> void with_transform(const Conv2dGeometry& g, Fn&& fn) {
  if (g.window.kernel_h == 3)
    fn.template operator()<Winograd<4, 3>>();
  else
    fn.template operator()<Winograd<2, 5>>();
}

}  // namespace

bool winograd_applies(const Conv2dGeometry& g) {
  static const bool disabled = [] {  // XGRAD_CONV_WINOGRAD=0 keeps every convolution on im2col
    const char* setting = std::getenv("XGRAD_CONV_WINOGRAD");
    return setting && std::string_view(setting) == "0";
  }();
  if (disabled) return false;
  const Window2d& w = g.window;
  const bool square = w.kernel_h == w.kernel_w && (w.kernel_h == 3 || w.kernel_h == 5);
  return square && w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1 &&
         g.channels >= 4 && g.out_channels >= 4 && g.out_h > 0 && g.out_w > 0;
}

template <class T>
void winograd_forward(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g, Activation act) {
  with_transform(g, [&]<class W>() { forward<W>(x, w, b, y, g, act); });
}
template <class T>
void winograd_backward(const T* x, const T* grad, const T* w, T* dx, T* dw, const Conv2dGeometry& g) {
  with_transform(g, [&]<class W>() { backward<W>(x, grad, w, dx, dw, g); });
}

#define XG_INSTANTIATE_WINOGRAD(T)                                                                            \
  template void winograd_forward<T>(const T*, const T*, const T*, T*, const Conv2dGeometry&, Activation);     \
  template void winograd_backward<T>(const T*, const T*, const T*, T*, T*, const Conv2dGeometry&);
XG_INSTANTIATE_WINOGRAD(float)
XG_INSTANTIATE_WINOGRAD(double)
#undef XG_INSTANTIATE_WINOGRAD

}  // namespace xg::kernels
