#pragma once
// The point products and the two drivers of Winograd convolution (internal; see winograd.hpp for
// the scheme): per block of images (one task, ~200 tiles) the transformed tiles live in point
// buffers [P][channels][tiles] (P = alpha^2 points) that the products read and write in place: for
// float the register-blocked kernels of winograd_gemm.hpp (no packing), for double serial BLAS
// calls. The drivers of F(4x4, 5x5) are compiled in winograd_4x4_5x5.cpp, the others in
// winograd.cpp, so that the two translation units build in parallel.
#include <xgrad/core/kernels/batch_chunks.hpp>
#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/core/kernels/winograd_stages.hpp>

namespace xg::kernels::winograd_detail {

// ---- the point products ---------------------------------------------------------------------------
// float runs on the register-blocked kernels of winograd_gemm.hpp, double on serial BLAS calls.

// out_xi [rows][tiles] (+)= A_xi [rows][depth] b_xi [depth][tiles] for every point, with
// A_xi(r, k) = a[xi * a_step + r * a_row + k * a_depth] (one of a_row, a_depth is 1).
template <class T>
void panel_products(std::int64_t rows, std::int64_t depth, std::int64_t tiles, const T* a, std::int64_t a_step,
                    std::int64_t a_row, std::int64_t a_depth, const PointBuffer<T>& b, const PointBuffer<T>& out) {
  for (int xi = 0; xi < b.points; ++xi) {
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

// Row pitch of the weight-gradient products dU [P][O][pitch]: whole vectors of the float kernels.
template <class T> std::int64_t weight_pitch(std::int64_t channels) {
  return std::is_same_v<T, float> ? round_up(channels, kPointGemmColumns) : channels;
}

// dU_xi [O][pitch] (+)= dM_xi V_xi^T over the block's tiles. float transposes V_xi into `panel`
// [round_up(tiles, 8)][pitch] (its columns past C stay zero) and runs dU_xi += dM_xi panel.
template <class T>
void weight_products(const PointBuffer<T>& dm, const PointBuffer<T>& v, std::int64_t tiles, bool accumulate, T* du,
                     std::int64_t pitch, T* panel) {
  const std::int64_t O = dm.rows, C = v.rows;
  for (int xi = 0; xi < v.points; ++xi) {
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
  Scratch<T> u(W::points * O * C);
  transform_weight<W>(w, g, u.get());
  const bool wide = wide_transforms<T>();
  parallel_chunks(g.batch, tl.images_per_block, [&](std::int64_t, std::int64_t n0, std::int64_t n1) {
    const std::int64_t tiles = (n1 - n0) * tl.per_image;
    Scratch<T> plane(tl.plane_size());
    PointBuffer<T> v(W::points, C, tiles), m(W::points, O, tiles);  // V [P][C][T], M [P][O][T]
    transform<Stage::input, W, T>(wide, x, n0, n1, g, tl, plane.get(), v);
    panel_products<T>(O, C, tiles, u.get(), O * C, C, 1, v, m);
    transform<Stage::output, W, T>(wide, m, b, act, n0, n1, g, tl, plane.get(), y);
  });
}

// Both adjoints in one pass over the batch, each block's dM = A dy A^T shared by the two:
//   dU += dM V^T (V = B^T x B)    then    dV = U^T dM, dx = B dV B^T  (V's buffer reused for dV).
// dx or dw may be null. dU is summed over fixed chunks of whole blocks (sizes only), the chunks'
// sums added in order (sum_over_batch_chunks).
template <class W, class T>
void backward(const T* x, const T* grad, const T* w, T* dx, T* dw, const Conv2dGeometry& g) {
  const Tiling<W> tl(g);
  const std::int64_t O = g.out_channels, C = g.channels, N = g.batch, pitch = weight_pitch<T>(C);
  const std::int64_t usize = W::points * O * pitch;
  if (N == 0) {
    if (dw) std::fill(dw, dw + O * C * W::r * W::r, T(0));
    return;
  }
  Scratch<T> u(dx ? W::points * O * C : 0);
  if (dx) transform_weight<W>(w, g, u.get());
  const std::int64_t blocks = (N + tl.images_per_block - 1) / tl.images_per_block;
  const std::int64_t chunk = ((blocks + kMaxPartials - 1) / kMaxPartials) * tl.images_per_block;
  Scratch<T> du(dw ? usize : 0);
  const bool wide = wide_transforms<T>();
  sum_over_batch_chunks<T>(N, chunk, dw ? usize : 0, du.get(), [&](std::int64_t, std::int64_t c0, std::int64_t c1, T* acc) {
    const std::int64_t max_tiles = std::min(c1 - c0, tl.images_per_block) * tl.per_image;
    Scratch<T> plane(tl.plane_size());
    PointBuffer<T> dm(W::points, O, max_tiles), v(W::points, C, max_tiles);  // dM [P][O][T], V then dV [P][C][T]
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
  transform_weight_grad<W>(du.get(), pitch, g, dw);
}

// Declares (how = extern) or compiles (how empty) the drivers of transform W for T.
#define XG_WINOGRAD_DRIVERS(how, W, T)                                                                 \
  how template void forward<W, T>(const T*, const T*, const T*, T*, const Conv2dGeometry&, Activation); \
  how template void backward<W, T>(const T*, const T*, const T*, T*, T*, const Conv2dGeometry&);
using Winograd4x4_5x5 = Winograd<4, 5>;
XG_WINOGRAD_DRIVERS(extern, Winograd4x4_5x5, float)
XG_WINOGRAD_DRIVERS(extern, Winograd4x4_5x5, double)

}  // namespace xg::kernels::winograd_detail
