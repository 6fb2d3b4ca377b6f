// Winograd convolution kernels (see winograd.hpp for the scheme).
//
// The transform matrices are computed at compile time (Toom-Cook on the nodes 0, 1, -1, 2, -2 and
// infinity) and every transform is a fully unrolled "sandwich" L X R whose zero coefficients vanish
// at compile time and whose +-1 coefficients are plain adds. A transform works on kLanes tiles of
// one tile row at once (a vector of kLanes elements per tile entry). Images are staged through a
// zero-padded plane so that tiles never need bounds checks: the input plane holds the padding
// around the image, the output and gradient planes are whole tiles, and the input-gradient plane
// accumulates the overlapping tiles before its interior is copied out.
#include <xgrad/core/kernels/winograd.hpp>

#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/parallel.hpp>

#include <algorithm>
#include <cstdlib>
#include <array>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>

namespace xg::kernels {
namespace {

constexpr int kAlpha = 6;                  // input tile side (m + r - 1) of both transforms
constexpr int kPoints = kAlpha * kAlpha;   // products per convolution
constexpr int kLanes = 8;                  // tiles transformed together
constexpr std::int64_t kBlockTiles = 64;  // tiles per block of images (one task)
constexpr std::int64_t kMaxPartials = 8;   // weight-gradient partial sums over the batch

// ---- transform matrices ---------------------------------------------------------------------------
using Square = std::array<std::array<double, kAlpha>, kAlpha>;
constexpr std::array<double, kAlpha - 1> kNodes{0.0, 1.0, -1.0, 2.0, -2.0};

constexpr double power(double base, int exponent) {
  double p = 1.0;
  for (int i = 0; i < exponent; ++i) p *= base;
  return p;
}
constexpr double magnitude(double v) { return v < 0 ? -v : v; }

// The inverse of the evaluation matrix E of polynomials of degree kAlpha - 1: row j < kAlpha - 1
// evaluates at node j, the last row takes the leading coefficient (the value "at infinity").
constexpr Square inverse_evaluation() {
  Square e{}, inv{};
  for (int j = 0; j < kAlpha - 1; ++j)
    for (int k = 0; k < kAlpha; ++k) e[j][k] = power(kNodes[j], k);
  e[kAlpha - 1][kAlpha - 1] = 1.0;
  for (int i = 0; i < kAlpha; ++i) inv[i][i] = 1.0;
  for (int col = 0; col < kAlpha; ++col) {  // Gauss-Jordan with partial pivoting
    int pivot = col;
    for (int r = col + 1; r < kAlpha; ++r)
      if (magnitude(e[r][col]) > magnitude(e[pivot][col])) pivot = r;
    std::swap(e[col], e[pivot]);
    std::swap(inv[col], inv[pivot]);
    const double d = e[col][col];
    for (int k = 0; k < kAlpha; ++k) e[col][k] /= d, inv[col][k] /= d;
    for (int r = 0; r < kAlpha; ++r) {
      if (r == col) continue;
      const double f = e[r][col];
      for (int k = 0; k < kAlpha; ++k) e[r][k] -= f * e[col][k], inv[r][k] -= f * inv[col][k];
    }
  }
  return inv;
}

// F(m x m, r x r): the correlation y = A^T [(G g) . (B^T d)] of a tile d of m + r - 1 inputs with
// a kernel g of r taps is the transpose of the polynomial product (a of degree m - 1 times g):
// A^T and G evaluate a and g at the nodes, B^T = E^-T interpolates.
template <int M, int R> struct Winograd {
  static_assert(M + R - 1 == kAlpha);
  static constexpr int m = M, r = R;
  struct Matrices {
    double at[M][kAlpha]{};
    double g[kAlpha][R]{};
    double bt[kAlpha][kAlpha]{};
  };
  static constexpr Matrices build() {
    Matrices t{};
    const Square inv = inverse_evaluation();
    for (int i = 0; i < kAlpha; ++i)
      for (int j = 0; j < kAlpha; ++j) t.bt[i][j] = inv[j][i];
    for (int j = 0; j < kAlpha; ++j) {
      const bool infinity = j == kAlpha - 1;
      for (int i = 0; i < M; ++i) t.at[i][j] = infinity ? (i == M - 1) : power(kNodes[j], i);
      for (int k = 0; k < R; ++k) t.g[j][k] = infinity ? (k == R - 1) : power(kNodes[j], k);
    }
    return t;
  }
  static constexpr Matrices mat = build();
};

// ---- compile-time unrolled transforms -------------------------------------------------------------
template <int N, class F> inline void unroll(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) { (f(std::integral_constant<int, I>{}), ...); }
  (std::make_integer_sequence<int, N>{});
}

// acc += c * x for a compile-time coefficient c (nothing for 0, an add or subtract for +-1).
template <class T, class Coef, class V> inline void accumulate(V& acc, const V& x) {
  constexpr double c = Coef::value;
  if constexpr (c == 1.0)
    acc += x;
  else if constexpr (c == -1.0)
    acc -= x;
  else if constexpr (c != 0.0)
    acc += static_cast<T>(c) * x;
}

template <auto F, int I, int J> struct Entry {
  static constexpr double value = F(I, J);
};

// y [P][Q2] = L x R with L [P][Q] and R [S][Q2] given as constexpr functions lf(i, k), rf(k, j).
template <class T, int P, int Q, int S, int Q2, auto lf, auto rf, class V>
inline void sandwich(const V (&x)[Q][S], V (&y)[P][Q2]) {
  V tmp[Q][Q2];
  unroll<Q>([&](auto q) {
    unroll<Q2>([&](auto j) {
      V acc{};
      unroll<S>([&](auto s) { accumulate<T, Entry<rf, decltype(s)::value, decltype(j)::value>>(acc, x[q][s]); });
      tmp[q][j] = acc;
    });
  });
  unroll<P>([&](auto i) {
    unroll<Q2>([&](auto j) {
      V acc{};
      unroll<Q>([&](auto q) { accumulate<T, Entry<lf, decltype(i)::value, decltype(q)::value>>(acc, tmp[q][j]); });
      y[i][j] = acc;
    });
  });
}

template <class W> struct Transforms {
  static constexpr int m = W::m, r = W::r;
  static constexpr auto& t = W::mat;
  // V = B^T d B
  template <class T, class V> static void input(const V (&d)[kAlpha][kAlpha], V (&v)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, kAlpha, kAlpha, kAlpha, [](int i, int k) { return t.bt[i][k]; },
             [](int k, int j) { return t.bt[j][k]; }>(d, v);
  }
  // dd = B dV B^T (adjoint of input)
  template <class T, class V> static void input_adjoint(const V (&dv)[kAlpha][kAlpha], V (&dd)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, kAlpha, kAlpha, kAlpha, [](int i, int k) { return t.bt[k][i]; },
             [](int k, int j) { return t.bt[k][j]; }>(dv, dd);
  }
  // y = A^T M A
  template <class T, class V> static void output(const V (&mm)[kAlpha][kAlpha], V (&y)[m][m]) {
    sandwich<T, m, kAlpha, kAlpha, m, [](int i, int k) { return t.at[i][k]; },
             [](int k, int j) { return t.at[j][k]; }>(mm, y);
  }
  // dM = A dy A^T (adjoint of output)
  template <class T, class V> static void output_adjoint(const V (&dy)[m][m], V (&dm)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, m, m, kAlpha, [](int i, int k) { return t.at[k][i]; },
             [](int k, int j) { return t.at[k][j]; }>(dy, dm);
  }
  // U = G w G^T
  template <class T, class V> static void kernel(const V (&w)[r][r], V (&u)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, r, r, kAlpha, [](int i, int k) { return t.g[i][k]; },
             [](int k, int j) { return t.g[j][k]; }>(w, u);
  }
  // dw = G^T dU G (adjoint of kernel)
  template <class T, class V> static void kernel_adjoint(const V (&du)[kAlpha][kAlpha], V (&dw)[r][r]) {
    sandwich<T, r, kAlpha, kAlpha, r, [](int i, int k) { return t.g[k][i]; },
             [](int k, int j) { return t.g[k][j]; }>(du, dw);
  }
};

// kLanes elements as one vector (`type`), and the same vector at any element alignment (`unaligned`,
// so that loads and stores are single unaligned vector moves).
// Calls fn(p, count) for groups of up to kLanes of `pairs` items, in parallel.
template <class Fn> void for_each_pair_group(std::int64_t pairs, Fn&& fn) {
  parallel_for(0, (pairs + kLanes - 1) / kLanes, 16, [&](std::int64_t g0, std::int64_t g1) {
    for (std::int64_t gi = g0; gi < g1; ++gi) fn(gi * kLanes, std::min<std::int64_t>(kLanes, pairs - gi * kLanes));
  });
}

template <class T> struct LaneVector {
  typedef T type __attribute__((vector_size(kLanes * sizeof(T))));
  typedef T unaligned __attribute__((vector_size(kLanes * sizeof(T)), aligned(alignof(T)), may_alias));
};

// ---- tile layout ----------------------------------------------------------------------------------
// Tiles of m x m outputs; a block's tile t = (image * tiles_h + th) * tiles_w + tw, and tile (th, tw)
// covers rows th*m .. th*m + 5 and columns tw*m .. tw*m + 5 of a plane. A plane is stored as m
// phase planes, column c at (phase c % m, position c / m), so that entry (i, j) of kLanes
// consecutive tiles is one contiguous vector: phase j % m, row th*m + i, positions tw0 + j / m + l.
template <class W> struct Tiling {
  static constexpr std::int64_t m = W::m, r = W::r;
  std::int64_t tiles_h, tiles_w, per_image, groups_w, plane_h, phase_w, images_per_block;
  explicit Tiling(const Conv2dGeometry& g) {
    tiles_h = (g.out_h + m - 1) / m;
    tiles_w = (g.out_w + m - 1) / m;
    per_image = tiles_h * tiles_w;
    groups_w = (tiles_w + kLanes - 1) / kLanes;
    plane_h = tiles_h * m + r - 1;
    phase_w = groups_w * kLanes + (kAlpha - 1) / m + 1;
    images_per_block = std::clamp<std::int64_t>(kBlockTiles / per_image, 1, std::max<std::int64_t>(g.batch, 1));
  }
  std::int64_t plane_size() const { return m * plane_h * phase_w; }
  // Offset of plane entry (row, column).
  std::int64_t at(std::int64_t row, std::int64_t col) const { return ((col % m) * plane_h + row) * phase_w + col / m; }
  // Offset of the vector of entry (i, j) of the tile group starting at (th, tw0).
  std::int64_t lanes(std::int64_t th, std::int64_t tw0, int i, int j) const {
    return ((j % m) * plane_h + th * m + i) * phase_w + tw0 + j / m;
  }
};

template <class V, class T> V load_vector(const T* p) {
  return *reinterpret_cast<const typename LaneVector<T>::unaligned*>(p);
}
template <class V, class T> void store_vector(T* p, const V& v) {
  *reinterpret_cast<typename LaneVector<T>::unaligned*>(p) = v;
}

// plane := 0, then src [h, w] at rows [top, top + h), columns [left, left + w).
template <class W, class T>
void load_plane(const T* src, std::int64_t h, std::int64_t w, std::int64_t top, std::int64_t left, const Tiling<W>& tl,
                T* plane) {
  std::fill(plane, plane + tl.plane_size(), T(0));
  for (std::int64_t i = 0; i < h; ++i)
    for (std::int64_t j = 0; j < w; ++j) plane[tl.at(i + top, j + left)] = src[i * w + j];
}

// dst [h, w] := plane rows [top, top + h), columns [left, left + w), plus `shift`.
template <class W, class T>
void store_plane(const T* plane, const Tiling<W>& tl, std::int64_t top, std::int64_t left, T shift, std::int64_t h,
                 std::int64_t w, T* dst) {
  for (std::int64_t i = 0; i < h; ++i)
    for (std::int64_t j = 0; j < w; ++j) dst[i * w + j] = plane[tl.at(i + top, j + left)] + shift;
}

// A block's transformed tiles: [36][rows][tiles], rows ld = tiles + kLanes elements apart so that
// whole vectors of kLanes tiles can be stored and loaded at any tile.
template <class T> struct PointBuffer {
  std::int64_t rows, ld;
  Scratch<T> data;
  PointBuffer(std::int64_t rows_, std::int64_t max_tiles)
      : rows(rows_), ld(max_tiles + kLanes), data(kPoints * rows_ * (max_tiles + kLanes)) {}
  void resize(std::int64_t tiles) { ld = tiles + kLanes; }  // within the allocated max_tiles
  T* row(int xi, std::int64_t r) const { return data.get() + (xi * rows + r) * ld; }
};

// Per-task scratch: the staging plane and the transformed tiles, `left` with out_channels rows,
// `right` with channels rows.
template <class W, class T> struct BlockBuffers {
  Scratch<T> plane;
  PointBuffer<T> left, right;
  BlockBuffers(const Tiling<W>& tl, const Conv2dGeometry& g, std::int64_t images)
      : plane(tl.plane_size()), left(g.out_channels, images * tl.per_image), right(g.channels, images * tl.per_image) {}
  void resize(std::int64_t tiles) { left.resize(tiles), right.resize(tiles); }
};

// Calls fn(th, tw0, count, t) for each group of up to kLanes tiles of one tile row: t is the block
// index of tile (th, tw0) of image `image` of the block.
template <class W, class Fn> void for_each_tile_group(const Tiling<W>& tl, std::int64_t image, Fn&& fn) {
  for (std::int64_t th = 0; th < tl.tiles_h; ++th)
    for (std::int64_t gw = 0; gw < tl.groups_w; ++gw) {
      const std::int64_t tw0 = gw * kLanes;
      fn(th, tw0, std::min<std::int64_t>(kLanes, tl.tiles_w - tw0), (image * tl.tiles_h + th) * tl.tiles_w + tw0);
    }
}

// d[i][j] = the S x S entries of the tile group (th, tw0).
template <int S, class W, class T, class V>
void gather(const T* plane, const Tiling<W>& tl, std::int64_t th, std::int64_t tw0, V (&d)[S][S]) {
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < S; ++j) d[i][j] = load_vector<V>(plane + tl.lanes(th, tw0, i, j));
}

// buf[xi][row][t .. t + kLanes) := v[xi / 6][xi % 6] (lanes past the group's tiles land on later
// tiles, stored afterwards, or in the row's padding), and back.
template <class T, class V>
void store_points(const V (&v)[kAlpha][kAlpha], const PointBuffer<T>& buf, std::int64_t row, std::int64_t t) {
  T* dst = buf.row(0, row) + t;
  const std::int64_t step = buf.rows * buf.ld;
  unroll<kPoints>([&](auto xi) { store_vector(dst + xi * step, v[xi / kAlpha][xi % kAlpha]); });
}
template <class T, class V>
void load_points(const PointBuffer<T>& buf, std::int64_t row, std::int64_t t, V (&v)[kAlpha][kAlpha]) {
  const T* src = buf.row(0, row) + t;
  const std::int64_t step = buf.rows * buf.ld;
  unroll<kPoints>([&](auto xi) { v[xi / kAlpha][xi % kAlpha] = load_vector<V>(src + xi * step); });
}

// V [36][C][T] of images [n0, n1) of x.
template <class W, class T>
void transform_input(const T* x, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g, const Tiling<W>& tl,
                     T* plane, const PointBuffer<T>& v_buf) {
  using V = typename LaneVector<T>::type;
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t c = 0; c < g.channels; ++c) {
      load_plane(x + (n * g.channels + c) * g.in_h * g.in_w, g.in_h, g.in_w, g.window.pad_top, g.window.pad_left,
                 tl, plane);
      for_each_tile_group(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t /*count*/, std::int64_t t) {
        V d[kAlpha][kAlpha], v[kAlpha][kAlpha];
        gather(plane, tl, th, tw0, d);
        Transforms<W>::template input<T>(d, v);
        store_points(v, v_buf, c, t);
      });
    }
}

// dM [36][O][T] of images [n0, n1) of grad.
template <class W, class T>
void transform_output_grad(const T* grad, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g,
                           const Tiling<W>& tl, T* plane, const PointBuffer<T>& dm_buf) {
  using V = typename LaneVector<T>::type;
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o) {
      load_plane(grad + (n * g.out_channels + o) * g.out_h * g.out_w, g.out_h, g.out_w, 0, 0, tl, plane);
      for_each_tile_group(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t /*count*/, std::int64_t t) {
        V dy[W::m][W::m], dm[kAlpha][kAlpha];
        gather(plane, tl, th, tw0, dy);
        Transforms<W>::template output_adjoint<T>(dy, dm);
        store_points(dm, dm_buf, o, t);
      });
    }
}

// y of images [n0, n1) = A^T M A + b.
template <class W, class T>
void transform_output(const PointBuffer<T>& m_buf, const T* bias, std::int64_t n0, std::int64_t n1,
                      const Conv2dGeometry& g, const Tiling<W>& tl, T* plane, T* y) {
  using V = typename LaneVector<T>::type;
  constexpr int m = W::m;
  const std::int64_t out_plane = g.out_h * g.out_w;
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o) {
      for_each_tile_group(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t /*count*/, std::int64_t t) {
        V mm[kAlpha][kAlpha], out[m][m];
        load_points(m_buf, o, t, mm);
        Transforms<W>::template output<T>(mm, out);
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < m; ++j) store_vector(plane + tl.lanes(th, tw0, i, j), out[i][j]);
      });
      store_plane(plane, tl, 0, 0, bias ? bias[o] : T(0), g.out_h, g.out_w, y + (n * g.out_channels + o) * out_plane);
    }
}

// dx of images [n0, n1) = the overlapping tiles B dV B^T, cropped to the image.
template <class W, class T>
void transform_input_grad(const PointBuffer<T>& dv_buf, std::int64_t n0, std::int64_t n1, const Conv2dGeometry& g,
                          const Tiling<W>& tl, T* plane, T* dx) {
  using V = typename LaneVector<T>::type;
  const std::int64_t in_plane = g.in_h * g.in_w;
  for (std::int64_t n = n0; n < n1; ++n)
    for (std::int64_t c = 0; c < g.channels; ++c) {
      std::fill(plane, plane + tl.plane_size(), T(0));
      for_each_tile_group(tl, n - n0, [&](std::int64_t th, std::int64_t tw0, std::int64_t count, std::int64_t t) {
        V dv[kAlpha][kAlpha], dd[kAlpha][kAlpha];
        load_points(dv_buf, c, t, dv);
        if (count < kLanes)  // lanes past the group belong to other tiles
          for (auto& row : dv)
            for (V& lanes : row)
              for (std::int64_t l = count; l < kLanes; ++l) lanes[l] = 0;
        Transforms<W>::template input_adjoint<T>(dv, dd);
        for (int i = 0; i < kAlpha; ++i)
          for (int j = 0; j < kAlpha; ++j) {
            T* p = plane + tl.lanes(th, tw0, i, j);
            store_vector(p, load_vector<V>(p) + dd[i][j]);
          }
      });
      store_plane(plane, tl, g.window.pad_top, g.window.pad_left, T(0), g.in_h, g.in_w, dx + (n * g.channels + c) * in_plane);
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

template <class W, class T> void transform_weight_grad(const T* du, const Conv2dGeometry& g, T* dw) {
  using V = typename LaneVector<T>::type;
  constexpr int r = W::r;
  const std::int64_t pairs = g.out_channels * g.channels;
  for_each_pair_group(pairs, [&](std::int64_t p, std::int64_t count) {
    V points[kAlpha][kAlpha]{}, taps[r][r];
    for (int xi = 0; xi < kPoints; ++xi)
      for (std::int64_t l = 0; l < count; ++l) points[xi / kAlpha][xi % kAlpha][l] = du[xi * pairs + p + l];
    Transforms<W>::template kernel_adjoint<T>(points, taps);
    for (std::int64_t l = 0; l < count; ++l)
      for (int k = 0; k < r * r; ++k) dw[(p + l) * r * r + k] = taps[k / r][k % r][l];
  });
}

// ---- the three drivers ----------------------------------------------------------------------------
// One serial product per transform point: out_xi = op(a_xi) op(b_xi) (+ out_xi when accumulate).
template <class T>
void point_products(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, const T* a, std::int64_t lda,
                    std::int64_t a_step, const T* b, std::int64_t ldb, std::int64_t b_step, bool accumulate, T* out,
                    std::int64_t ldc, std::int64_t out_step) {
  for (int xi = 0; xi < kPoints; ++xi)
    gemm_serial<T>(ta, tb, M, N, K, 1.0, a + xi * a_step, lda, b + xi * b_step, ldb, accumulate ? 1.0 : 0.0,
                   out + xi * out_step, ldc);
}

template <class W, class T>
void forward(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g, Activation act) {
  const Tiling<W> tl(g);
  const std::int64_t O = g.out_channels, C = g.channels;
  Scratch<T> u(kPoints * O * C);
  transform_weight<W>(w, g, u.get());
  parallel_chunks(g.batch, tl.images_per_block, [&](std::int64_t, std::int64_t n0, std::int64_t n1) {
    BlockBuffers<W, T> buf(tl, g, n1 - n0);  // left = M [36][O][T], right = V [36][C][T]
    const std::int64_t tiles = (n1 - n0) * tl.per_image;
    transform_input<W>(x, n0, n1, g, tl, buf.plane.get(), buf.right);
    point_products<T>(false, false, O, tiles, C, u.get(), C, O * C, buf.right.row(0, 0), buf.right.ld,
                      C * buf.right.ld, false, buf.left.row(0, 0), buf.left.ld, O * buf.left.ld);
    transform_output<W>(buf.left, b, n0, n1, g, tl, buf.plane.get(), y);
    apply_activation<T>(act, y + n0 * O * g.out_h * g.out_w, (n1 - n0) * O * g.out_h * g.out_w);
  });
}

// Both adjoints in one pass over the batch, each block's dM = A dy A^T shared by the two:
//   dU += dM V^T (V = B^T x B)    then    dV = U^T dM, dx = B dV B^T  (V's buffer reused for dV).
// dx or dw may be null. Fixed chunks of whole blocks (sizes only): chunk 0 sums its dU into du,
// chunk k > 0 into partial k - 1, and the partials are added in chunk order.
template <class W, class T>
void backward(const T* x, const T* grad, const T* w, T* dx, T* dw, const Conv2dGeometry& g) {
  const Tiling<W> tl(g);
  const std::int64_t O = g.out_channels, C = g.channels, N = g.batch, usize = kPoints * O * C;
  if (N == 0) {
    if (dw) std::fill(dw, dw + O * C * W::r * W::r, T(0));
    return;
  }
  Scratch<T> u(dx ? usize : 0);
  if (dx) transform_weight<W>(w, g, u.get());
  const std::int64_t blocks = (N + tl.images_per_block - 1) / tl.images_per_block;
  const std::int64_t chunk = ((blocks + kMaxPartials - 1) / kMaxPartials) * tl.images_per_block;
  const std::int64_t chunks = (N + chunk - 1) / chunk;
  Scratch<T> du(dw ? usize : 0), partial(dw ? (chunks - 1) * usize : 0);
  parallel_chunks(N, chunk, [&](std::int64_t k, std::int64_t c0, std::int64_t c1) {
    T* acc = !dw ? nullptr : k == 0 ? du.get() : partial.get() + (k - 1) * usize;
    BlockBuffers<W, T> buf(tl, g, std::min(c1 - c0, tl.images_per_block));  // left = dM, right = V, then dV
    for (std::int64_t n0 = c0; n0 < c1; n0 += tl.images_per_block) {
      const std::int64_t n1 = std::min(c1, n0 + tl.images_per_block), tiles = (n1 - n0) * tl.per_image;
      buf.resize(tiles);
      transform_output_grad<W>(grad, n0, n1, g, tl, buf.plane.get(), buf.left);
      if (dw) {
        transform_input<W>(x, n0, n1, g, tl, buf.plane.get(), buf.right);
        point_products<T>(false, true, O, C, tiles, buf.left.row(0, 0), buf.left.ld, O * buf.left.ld,
                          buf.right.row(0, 0), buf.right.ld, C * buf.right.ld, n0 != c0, acc, C, O * C);
      }
      if (dx) {
        point_products<T>(true, false, C, tiles, O, u.get(), C, O * C, buf.left.row(0, 0), buf.left.ld,
                          O * buf.left.ld, false, buf.right.row(0, 0), buf.right.ld, C * buf.right.ld);
        transform_input_grad<W>(buf.right, n0, n1, g, tl, buf.plane.get(), dx);
      }
    }
  });
  if (!dw) return;
  for (std::int64_t k = 1; k < chunks; ++k) {
    const T* p = partial.get() + (k - 1) * usize;
    for (std::int64_t e = 0; e < usize; ++e) du.get()[e] += p[e];
  }
  transform_weight_grad<W>(du.get(), g, dw);
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
