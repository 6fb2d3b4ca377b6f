#pragma once
// The block stages of Winograd convolution (internal to winograd.cpp and winograd_4x4_5x5.cpp; see
// winograd.hpp for the scheme): the tile layout, the staging planes and the paths straight from
// image rows, the point buffers, and the transforms of a block of images into and out of them.
//
// A transform works on kLanes tiles of one tile row at once (a vector of kLanes elements per tile
// entry), or with AVX-512 on two tile rows (16 lanes). Images are staged through a zero-padded
// plane so that tiles never need bounds checks: the input plane holds the padding around the
// image, the output and gradient planes are whole tiles, and the input-gradient plane accumulates
// the overlapping tiles before its interior is copied out (with AVX-512, a row at a time by masked
// vector moves). With AVX-512, 5x5 kernels on images whose padded rows fit in one vector (the
// 14 x 14 layers of the tutorial CNN) skip the plane: tile entries are permuted straight out of
// the image rows and outputs into them (winograd_rows.hpp), for F(4x4, 5x5) a vector holding the
// 16 tiles of four tile rows.
#include <xgrad/core/activation.hpp>
#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/conv.hpp>
#include <xgrad/core/kernels/rounding.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/kernels/winograd_gemm.hpp>
#include <xgrad/core/kernels/winograd_rows.hpp>
#include <xgrad/core/kernels/winograd_transforms.hpp>
#include <xgrad/core/parallel.hpp>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace xg::kernels::winograd_detail {

constexpr int kLanes = 8;                  // tiles transformed together
// Tiles per block of images (one task), from the training step of the tutorial CNN (batch 64,
// 14x14): F(2x2, 5x5) blocks of 196 tiles (4 images, padded to 208 columns; 98 padded to 112 was
// slower), F(4x4, 5x5) blocks of 64 (4 images: ~2% faster than 32 and 128, 7% than 196, whose 12-image
// blocks split 64 images 36 / 28 over two threads; the 8x8 tiles' buffers are 1.8x larger per tile).
template <class W> constexpr std::int64_t kBlockTiles = W::alpha == 8 ? 64 : 196;
constexpr std::int64_t kMaxPartials = 8;   // weight-gradient partial sums over the batch

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
// covers rows th*m .. th*m + alpha - 1 and columns tw*m .. tw*m + alpha - 1 of a plane. A plane is stored as m
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
    phase_w = groups_w * kLanes + (W::alpha - 1) / m + 1;
    images_per_block = std::clamp<std::int64_t>(kBlockTiles<W> / per_image, 1, std::max<std::int64_t>(g.batch, 1));
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

// ---- straight from the image rows (AVX-512) -------------------------------------------------------
// When R = 2 (float) and an image row with its left padding fits in one vector of 16 floats, the
// transforms skip the staging plane (winograd_rows.hpp): F(2x2, 5x5) with one group of at most 8
// tiles per tile row ("rows": a vector holds tile rows th, th + 1), F(4x4, 5x5) with 4 tiles per
// tile row ("quads": tile rows th .. th + 3, so tiles_h must be a multiple of 4). A padded row is
// one masked load and a shift, tile entries are permutes of a few padded rows, output rows
// interleave output vectors, and the input gradient accumulates each padded row in one vector in
// the order of the staged path, so that both give the same bits.
enum class Path { staged, rows, quads };
template <int R, class W, class T> Path path_of(const Tiling<W>& tl, const Conv2dGeometry& g) {
  if constexpr (R == 2 && std::is_same_v<T, float>) {
    const bool fits = g.window.pad_left >= 0 && g.window.pad_left + g.in_w <= 16 && g.out_w <= 16;
    if (fits && W::m == 2 && tl.groups_w == 1) return Path::rows;
    if (fits && W::m == 4 && W::alpha == 8 && tl.tiles_w == 4 && tl.tiles_h % 4 == 0) return Path::quads;
  }
  return Path::staged;
}

// The steps above for any T and V, doing nothing where the path is staged (so never called there).
template <class V, class T> constexpr bool kRowVectors = std::is_same_v<T, float> && vector_rows<T, V> == 2;
template <int S, class T, class V>
void gather_image(Path path, const T* image, std::int64_t h, std::int64_t w, std::int64_t top, std::int64_t left,
                  std::int64_t th, V (&d)[S][S]) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (kRowVectors<V, T>) {
    const PaddedImage src{image, h, w, top, left};
    if (path == Path::quads) return gather_quads(src, th, d);
    gather_rows(src, th, d);
  }
#endif
}
template <int S, class T, class V>
void scatter_output(const V (&out)[S][S], std::int64_t th, T shift, std::int64_t h, std::int64_t w, T* y) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (kRowVectors<V, T> && S == 2) scatter_output_rows(out, th, shift, h, w, y);
  if constexpr (kRowVectors<V, T> && S == 4) scatter_output_quads(out, th, shift, h, w, y);
#endif
}
template <int S, class T, class V>
void accumulate_image(const V (&dd)[S][S], std::int64_t th, std::int64_t count, std::int64_t tiles_h, T* acc) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (kRowVectors<V, T> && S == 6) accumulate_rows(dd, th, count, tiles_h, acc);
  if constexpr (kRowVectors<V, T> && S == 8) accumulate_quads(dd, th, acc);
#endif
}
template <class T>
void crop_image(const T* acc, std::int64_t top, std::int64_t left, std::int64_t h, std::int64_t w, T* dst) {
#ifdef XG_WINOGRAD_AVX512
  if constexpr (std::is_same_v<T, float>) crop_rows(acc, top, left, h, w, dst);
#endif
}

// A block's transformed tiles: [P][rows][tiles], rows ld >= tiles + kLanes elements apart so that
// whole vectors of kLanes tiles can be stored and loaded at any tile, ld a multiple of the
// point products' column step (their last vector of columns runs into the padding). Points are
// one cache line more than rows * ld apart: the P vectors a transform stores or loads at once
// would otherwise fall into one L1 set whenever rows * ld is a multiple of 4 KiB.
template <class T> struct PointBuffer {
  static constexpr std::int64_t kSkew = 64 / sizeof(T);
  static std::int64_t pitch(std::int64_t tiles) { return round_up(tiles + kLanes, kPointGemmColumns); }
  int points;
  std::int64_t rows, ld;
  Scratch<T> data;
  PointBuffer(int points_, std::int64_t rows_, std::int64_t max_tiles)
      : points(points_), rows(rows_), ld(pitch(max_tiles)), data(points_ * (rows_ * pitch(max_tiles) + kSkew)) {}
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

// Calls fn(th, tw0, count, t, second) for each vector of tiles of image `image` of the block: the
// groups of for_each_tile_group (the tiles of row th + 1 are second = tiles_w further in the point
// buffers), or for quads tile rows th .. th + 3 (16 consecutive tiles: second = kLanes).
template <int R, class W, class Fn>
void for_each_vector(const Tiling<W>& tl, Path path, std::int64_t image, Fn&& fn) {
  if (path == Path::quads) {
    for (std::int64_t th = 0; th < tl.tiles_h; th += 4)
      fn(th, 0, kLanes, (image * tl.tiles_h + th) * tl.tiles_w, kLanes);
    return;
  }
  for_each_tile_group<R>(tl, image, [&](std::int64_t th, std::int64_t tw0, std::int64_t count, std::int64_t t) {
    fn(th, tw0, count, t, tl.tiles_w);
  });
}

// d[i][j] = the S x S entries of the tile group (th, tw0) (and row th + 1).
template <int S, class W, class T, class V>
void gather(const T* plane, const Tiling<W>& tl, std::int64_t th, std::int64_t tw0, V (&d)[S][S]) {
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < S; ++j) d[i][j] = load_rows<V>(plane + tl.lanes(th, tw0, i, j), tl.row_step());
}

// buf[xi][row][t .. t + kLanes) := v[xi / alpha][xi % alpha] (and a vector's second tile row at
// t + second), and back.
template <int A, class T, class V>
void store_points(const V (&v)[A][A], const PointBuffer<T>& buf, std::int64_t row, std::int64_t t,
                  std::int64_t second) {
  T* dst = buf.row(0, row) + t;
  const std::int64_t step = buf.point_step();
  unroll<A * A>([&](auto xi) { store_rows(dst + xi * step, second, v[xi / A][xi % A]); });
}
template <int A, class T, class V>
void load_points(const PointBuffer<T>& buf, std::int64_t row, std::int64_t t, std::int64_t second, V (&v)[A][A]) {
  const T* src = buf.row(0, row) + t;
  const std::int64_t step = buf.point_step();
  unroll<A * A>([&](auto xi) { v[xi / A][xi % A] = load_rows<V>(src + xi * step, second); });
}

// Asks for the cache lines of the next image plane [p, p + n) while the current one is transformed
// (the strided row loads of a plane reach memory before the hardware prefetcher catches on).
template <class T> void prefetch_plane(const T* p, std::int64_t n) {
  const char* bytes = reinterpret_cast<const char*>(p);
  for (std::int64_t k = 0; k < n * static_cast<std::int64_t>(sizeof(T)); k += 64) __builtin_prefetch(bytes + k);
}

// The block transforms on vectors of R tile rows (R = 2 only for float in AVX-512 code).
// buf [P][channels][T] := f(the S x S entries of each tile) for images [n0, n1) of src
// [N][channels][h][w], placed at row top, column left of the plane.
template <class W, int R, int S, class T, class F>
void transform_into_points(const T* src, std::int64_t n0, std::int64_t n1, std::int64_t channels, std::int64_t h,
                           std::int64_t w, std::int64_t top, std::int64_t left, const Conv2dGeometry& g,
                           const Tiling<W>& tl, T* plane, const PointBuffer<T>& buf, F&& f) {
  using V = typename LaneVector<T, R>::type;
  const Path path = path_of<R, W, T>(tl, g);
  const bool direct = path != Path::staged;
  if (!direct) std::fill(plane, plane + tl.plane_size(), T(0));
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t c = 0; c < channels; ++c) {
      const T* image = src + (n * channels + c) * h * w;
      prefetch_plane(image + h * w, h * w);
      if (!direct) load_plane<R>(image, h, w, top, left, tl, plane);
      for_each_vector<R>(tl, path, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t, std::int64_t t,
                                               std::int64_t second) {
        V d[S][S], points[W::alpha][W::alpha];
        if (direct)
          gather_image(path, image, h, w, top, left, th, d);
        else
          gather(plane, tl, th, tw0, d);
        f(d, points);
        store_points(points, buf, c, t, second);
      });
    }
}

// V [P][C][T] = B^T d B of images [n0, n1) of x.
template <class W, int R, class T>
void transform_input(const T* x, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g, const Tiling<W>& tl,
                     T* plane, const PointBuffer<T>& v_buf) {
  transform_into_points<W, R, W::alpha>(x, n0, n1, g.channels, g.in_h, g.in_w, g.window.pad_top, g.window.pad_left, g,
                                        tl, plane, v_buf,
                                        [](const auto& d, auto& v) { Transforms<W>::template input<T>(d, v); });
}

// dM [P][O][T] = A dy A^T of images [n0, n1) of grad.
template <class W, int R, class T>
void transform_output_grad(const T* grad, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g,
                           const Tiling<W>& tl, T* plane, const PointBuffer<T>& dm_buf) {
  transform_into_points<W, R, W::m>(
      grad, n0, n1, g.out_channels, g.out_h, g.out_w, 0, 0, g, tl, plane, dm_buf,
      [](const auto& dy, auto& dm) { Transforms<W>::template output_adjoint<T>(dy, dm); });
}

// y of images [n0, n1) = act(A^T M A + b).
template <class W, int R, class T>
void transform_output(const PointBuffer<T>& m_buf, const T* bias, Activation act, std::int64_t n0, std::int64_t n1,
                      const Conv2dGeometry& g, const Tiling<W>& tl, T* plane, T* y) {
  using V = typename LaneVector<T, R>::type;
  constexpr int m = W::m;
  const std::int64_t out_plane = g.out_h * g.out_w;
  const Path path = path_of<R, W, T>(tl, g);
  const bool direct = path != Path::staged;
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o) {
      T* image = y + (n * g.out_channels + o) * out_plane;
      const T shift = bias ? bias[o] : T(0);
      for_each_vector<R>(tl, path, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t, std::int64_t t,
                                               std::int64_t second) {
        V mm[W::alpha][W::alpha], out[m][m];
        load_points(m_buf, o, t, second, mm);
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
  const Path path = path_of<R, W, T>(tl, g);
  const bool direct = path != Path::staged;  // then the plane is [plane_h][16] padded rows
  const std::int64_t plane_size = direct ? tl.plane_h * 16 : tl.plane_size();
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t c = 0; c < g.channels; ++c) {
      T* image = dx + (n * g.channels + c) * in_plane;
      std::fill(plane, plane + plane_size, T(0));
      for_each_vector<R>(tl, path, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t count, std::int64_t t,
                                               std::int64_t second) {
        V dv[W::alpha][W::alpha], dd[W::alpha][W::alpha];
        load_points(dv_buf, c, t, second, dv);
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
          for (int shift = 0; shift * W::m < W::alpha; ++shift)
            for (int i = 0; i < W::alpha; ++i)
              for (int phase = 0; phase < W::m && shift * W::m + phase < W::alpha; ++phase) {
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

// U [P][O*C] = G w G^T and dw = G^T dU G for every pair p = (o, c), kLanes pairs at a time.
template <class W, class T> void transform_weight(const T* w, const Conv2dGeometry& g, T* u) {
  using V = typename LaneVector<T>::type;
  constexpr int r = W::r, a = W::alpha;
  const std::int64_t pairs = g.out_channels * g.channels;
  for_each_pair_group(pairs, [&](std::int64_t p, std::int64_t count) {
    V taps[r][r]{}, points[a][a];
    for (std::int64_t l = 0; l < count; ++l)
      for (int k = 0; k < r * r; ++k) taps[k / r][k % r][l] = w[(p + l) * r * r + k];
    Transforms<W>::template kernel<T>(taps, points);
    for (int xi = 0; xi < a * a; ++xi)
      for (std::int64_t l = 0; l < count; ++l) u[xi * pairs + p + l] = points[xi / a][xi % a][l];
  });
}

// dU is [P][O][pitch] here (pitch >= C).
template <class W, class T>
void transform_weight_grad(const T* du, std::int64_t pitch, const Conv2dGeometry& g, T* dw) {
  using V = typename LaneVector<T>::type;
  constexpr int r = W::r, a = W::alpha;
  const std::int64_t C = g.channels, pairs = g.out_channels * C, step = g.out_channels * pitch;
  for_each_pair_group(pairs, [&](std::int64_t p, std::int64_t count) {
    V points[a][a]{}, taps[r][r];
    std::int64_t at[kLanes];
    for (std::int64_t l = 0; l < count; ++l) at[l] = (p + l) / C * pitch + (p + l) % C;
    for (int xi = 0; xi < a * a; ++xi)
      for (std::int64_t l = 0; l < count; ++l) points[xi / a][xi % a][l] = du[xi * step + at[l]];
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

}  // namespace xg::kernels::winograd_detail
