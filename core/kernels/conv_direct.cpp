// Direct convolution for few input channels (see conv_direct.hpp for the scheme).
//
// The kernels are written once on GCC vector types of L floats and inlined (always_inline) into
// one entry per instruction set: the AVX-512 entry carries a target attribute, so the same source
// becomes zmm code there and ymm code in the baseline entry (as in winograd_gemm.cpp).
#include <xgrad/core/kernels/conv_direct.hpp>

#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/batch_chunks.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/parallel.hpp>

#include <algorithm>
#include <cstring>

namespace xg::kernels {
namespace {

constexpr std::int64_t kMaxChannels = 4, kMaxKernel = 7, kMinOutputWidth = 8;
constexpr std::int64_t kMaxPartials = 8;  // fixed batch chunks of the weight gradient

template <int L> struct Lanes {
  typedef float type __attribute__((vector_size(L * sizeof(float))));
  typedef float unaligned __attribute__((vector_size(L * sizeof(float)), aligned(alignof(float)), may_alias));
  typedef int mask __attribute__((vector_size(L * sizeof(int))));
};

// The zero-padded planes of one image: rows = OH + kh - 1, row_length = OW + kw - 1 (stride 1).
struct Staging {
  std::int64_t rows, row_length, plane, image;
  explicit Staging(const Conv2dGeometry& g)
      : rows(g.out_h + g.window.kernel_h - 1),
        row_length(g.out_w + g.window.kernel_w - 1),
        plane(rows * row_length),
        image(g.channels * rows * row_length) {}
};

// p [C][rows][row_length] := image n of x, placed at (pad_top, pad_left), zeros around it.
void stage_image(const float* x, const Conv2dGeometry& g, const Staging& s, float* p) {
  std::fill(p, p + s.image, 0.0f);
  const std::int64_t top = g.window.pad_top, left = g.window.pad_left;
  const std::int64_t h = std::min(g.in_h, s.rows - top), w = std::min(g.in_w, s.row_length - left);
  for (std::int64_t c = 0; c < g.channels; ++c)
    for (std::int64_t r = 0; r < h; ++r)
      std::memcpy(p + c * s.plane + (r + top) * s.row_length + left, x + (c * g.in_h + r) * g.in_w,
                  static_cast<std::size_t>(w) * sizeof(float));
}

// The vectors of L columns covering a row of `width` >= L outputs: starts 0, L, ... and, when L
// does not divide width, a last vector at width - L whose first skip(k) lanes repeat columns of the
// previous one. (Plain loops over these, not callbacks: a lambda's body would not inherit the
// AVX-512 target of the entry it is inlined into.)
template <int L> struct ColumnVectors {
  std::int64_t width, count;
  explicit ColumnVectors(std::int64_t w) : width(w), count((w + L - 1) / L) {}
  std::int64_t start(std::int64_t k) const { return std::min<std::int64_t>(k * L, width - L); }
  std::int64_t skip(std::int64_t k) const { return k * L + L > width ? k * L + L - width : 0; }
};

// Output channels [o0, o0 + OB) at column vectors [k0, k0 + R) of output row oh: every tap loads
// R input vectors and OB weights for R x OB multiply-adds.
template <int L, int OB, int R>
[[gnu::always_inline]] inline void forward_tile(const float* p, const Staging& s, const float* w, const float* b,
                                                std::int64_t o0, std::int64_t oh, std::int64_t k0,
                                                const ColumnVectors<L>& columns, const Conv2dGeometry& g, float* y) {
  using V = typename Lanes<L>::type;
  using U = typename Lanes<L>::unaligned;
  const std::int64_t kh = g.window.kernel_h, kw = g.window.kernel_w, taps = g.channels * kh * kw;
  const std::int64_t out_plane = g.out_h * g.out_w;
  std::int64_t ow0[R];
  for (int r = 0; r < R; ++r) ow0[r] = columns.start(k0 + r);
  V acc[R][OB];
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o) {
    const V init = V{} + (b ? b[o0 + o] : 0.0f);
    for (int r = 0; r < R; ++r) acc[r][o] = init;
  }
  for (std::int64_t c = 0; c < g.channels; ++c)
    for (std::int64_t i = 0; i < kh; ++i) {
      const float* row = p + c * s.plane + (oh + i) * s.row_length;
      const float* tap = w + o0 * taps + (c * kh + i) * kw;
      for (std::int64_t j = 0; j < kw; ++j) {
        V xv[R];
        for (int r = 0; r < R; ++r) xv[r] = *reinterpret_cast<const U*>(row + ow0[r] + j);
#pragma GCC unroll 8
        for (int o = 0; o < OB; ++o) {
          const float wv = tap[o * taps + j];
          for (int r = 0; r < R; ++r) acc[r][o] += wv * xv[r];
        }
      }
    }
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int o = 0; o < OB; ++o)
      *reinterpret_cast<U*>(y + (o0 + o) * out_plane + oh * g.out_w + ow0[r]) = acc[r][o];
}

// Output channels [o0, o0 + OB) of one staged image: pairs of column vectors, then a single one.
template <int L, int OB>
[[gnu::always_inline]] inline void forward_block(const float* p, const Staging& s, const float* w, const float* b,
                                                 std::int64_t o0, const Conv2dGeometry& g, float* y) {
  const ColumnVectors<L> columns(g.out_w);
  for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
    std::int64_t k = 0;
    for (; k + 2 <= columns.count; k += 2) forward_tile<L, OB, 2>(p, s, w, b, o0, oh, k, columns, g, y);
    if (k < columns.count) forward_tile<L, OB, 1>(p, s, w, b, o0, oh, k, columns, g, y);
  }
}

// Every output channel of one staged image.
template <int L>
[[gnu::always_inline]] inline void forward_image(const float* p, const Staging& s, const float* w, const float* b,
                                                 const Conv2dGeometry& g, float* out) {
  constexpr int kBlock = L == 16 ? 8 : 4;  // 2 x kBlock accumulators (+ 2 inputs) fit the registers
  std::int64_t o = 0;
  for (; o + kBlock <= g.out_channels; o += kBlock) forward_block<L, kBlock>(p, s, w, b, o, g, out);
  for (; o + 2 <= g.out_channels; o += 2) forward_block<L, 2>(p, s, w, b, o, g, out);
  for (; o < g.out_channels; ++o) forward_block<L, 1>(p, s, w, b, o, g, out);
}

// acc[o][j] += sum over the image's output positions of g[o0 + o] times the staged input shifted
// by tap (c, i, j), for one row i of KW taps.
template <int L, int OB, int KW>
[[gnu::always_inline]] inline void weight_row(const float* p, const Staging& s, const float* grad, std::int64_t o0,
                                              std::int64_t c, std::int64_t i, const Conv2dGeometry& g,
                                              typename Lanes<L>::type (&acc)[OB][KW]) {
  using V = typename Lanes<L>::type;
  using U = typename Lanes<L>::unaligned;
  using M = typename Lanes<L>::mask;
  M lane{};
  for (int l = 0; l < L; ++l) lane[l] = l;
  const std::int64_t out_plane = g.out_h * g.out_w;
  const ColumnVectors<L> columns(g.out_w);
  for (std::int64_t oh = 0; oh < g.out_h; ++oh)
    for (std::int64_t k = 0; k < columns.count; ++k) {
      const std::int64_t ow0 = columns.start(k), skip = columns.skip(k);
      V gv[OB];
#pragma GCC unroll 8
      for (int o = 0; o < OB; ++o) {
        gv[o] = *reinterpret_cast<const U*>(grad + (o0 + o) * out_plane + oh * g.out_w + ow0);
        if (skip) gv[o] = lane >= static_cast<int>(skip) ? gv[o] : V{};  // lanes the previous vector summed
      }
      const float* row = p + c * s.plane + (oh + i) * s.row_length + ow0;
#pragma GCC unroll 8
      for (int j = 0; j < KW; ++j) {
        const V xv = *reinterpret_cast<const U*>(row + j);
#pragma GCC unroll 8
        for (int o = 0; o < OB; ++o) acc[o][j] += gv[o] * xv;
      }
    }
}

// dw entries of output channels [o0, o0 + OB), all taps, over the staged images [0, images).
template <int L, int OB, int KW>
[[gnu::always_inline]] inline void weight_block(const float* staged, const Staging& s, const float* grad,
                                                std::int64_t images, std::int64_t o0, const Conv2dGeometry& g,
                                                float* dw) {
  using V = typename Lanes<L>::type;
  const std::int64_t kh = g.window.kernel_h, taps = g.channels * kh * KW;
  const std::int64_t out_image = g.out_channels * g.out_h * g.out_w;
  for (std::int64_t c = 0; c < g.channels; ++c)
    for (std::int64_t i = 0; i < kh; ++i) {
      V acc[OB][KW];
      for (auto& per_channel : acc)
        for (V& v : per_channel) v = V{};
      for (std::int64_t n = 0; n < images; ++n)
        weight_row<L, OB, KW>(staged + n * s.image, s, grad + n * out_image, o0, c, i, g, acc);
      for (int o = 0; o < OB; ++o)
        for (int j = 0; j < KW; ++j) {
          float total = 0.0f;
          for (int l = 0; l < L; ++l) total += acc[o][j][l];
          dw[(o0 + o) * taps + (c * kh + i) * KW + j] = total;
        }
    }
}

template <int L, int KW>
[[gnu::always_inline]] inline void weight_chunk(const float* staged, const Staging& s, const float* grad,
                                                std::int64_t images, const Conv2dGeometry& g, float* dw) {
  constexpr int kBlock = L == 16 ? 4 : 2;  // KW x kBlock accumulators + kBlock gradients fit the registers
  std::int64_t o = 0;
  for (; o + kBlock <= g.out_channels; o += kBlock) weight_block<L, kBlock, KW>(staged, s, grad, images, o, g, dw);
  for (; o < g.out_channels; ++o) weight_block<L, 1, KW>(staged, s, grad, images, o, g, dw);
}

// The weight gradient over the staged images [0, images) of one chunk, for the kernel width.
template <int L>
[[gnu::always_inline]] inline void weight_chunk_any_width(const float* staged, const Staging& s, const float* grad,
                                                          std::int64_t images, const Conv2dGeometry& g, float* dw) {
  switch (g.window.kernel_w) {
    case 1: return weight_chunk<L, 1>(staged, s, grad, images, g, dw);
    case 2: return weight_chunk<L, 2>(staged, s, grad, images, g, dw);
    case 3: return weight_chunk<L, 3>(staged, s, grad, images, g, dw);
    case 4: return weight_chunk<L, 4>(staged, s, grad, images, g, dw);
    case 5: return weight_chunk<L, 5>(staged, s, grad, images, g, dw);
    case 6: return weight_chunk<L, 6>(staged, s, grad, images, g, dw);
    default: return weight_chunk<L, 7>(staged, s, grad, images, g, dw);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define XG_DIRECT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
bool has_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return yes;
}
#else
#define XG_DIRECT_AVX512
bool has_avx512() { return false; }
#endif

// One entry per instruction set (the target attribute must be on the function the vector code is
// inlined into; the parallel loops' lambdas call these).
using ImageKernel = void (*)(const float*, const Staging&, const float*, const float*, const Conv2dGeometry&, float*);
using ChunkKernel = void (*)(const float*, const Staging&, const float*, std::int64_t, const Conv2dGeometry&, float*);

XG_DIRECT_AVX512 void forward_image_avx512(const float* p, const Staging& s, const float* w, const float* b,
                                           const Conv2dGeometry& g, float* out) {
  forward_image<16>(p, s, w, b, g, out);
}
void forward_image_baseline(const float* p, const Staging& s, const float* w, const float* b, const Conv2dGeometry& g,
                            float* out) {
  forward_image<8>(p, s, w, b, g, out);
}
XG_DIRECT_AVX512 void weight_chunk_avx512(const float* staged, const Staging& s, const float* grad,
                                          std::int64_t images, const Conv2dGeometry& g, float* dw) {
  weight_chunk_any_width<16>(staged, s, grad, images, g, dw);
}
void weight_chunk_baseline(const float* staged, const Staging& s, const float* grad, std::int64_t images,
                           const Conv2dGeometry& g, float* dw) {
  weight_chunk_any_width<8>(staged, s, grad, images, g, dw);
}

// 16-float vectors need rows of at least 16 outputs.
bool use_avx512(const Conv2dGeometry& g) { return has_avx512() && g.out_w >= 16; }

}  // namespace

bool direct_conv_applies(const Conv2dGeometry& g) {
  const Window2d& w = g.window;
  return w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1 && g.channels >= 1 &&
         g.channels <= kMaxChannels && w.kernel_h <= kMaxKernel && w.kernel_w <= kMaxKernel && g.out_h > 0 &&
         g.out_w >= kMinOutputWidth;
}

void direct_conv_forward(const float* x, const float* w, const float* b, float* y, const Conv2dGeometry& g,
                         Activation act) {
  const ImageKernel kernel = use_avx512(g) ? forward_image_avx512 : forward_image_baseline;
  const Staging s(g);
  const std::int64_t in_image = g.channels * g.in_h * g.in_w, out_image = g.out_channels * g.out_h * g.out_w;
  parallel_for(0, g.batch, 1, [&](std::int64_t n0, std::int64_t n1) {
    Scratch<float> p(s.image);
    for (std::int64_t n = n0; n < n1; ++n) {
      stage_image(x + n * in_image, g, s, p.get());
      kernel(p.get(), s, w, b, g, y + n * out_image);
      apply_activation<float>(act, y + n * out_image, out_image);
    }
  });
}

void direct_conv_backward_weight(const float* x, const float* grad, float* dw, const Conv2dGeometry& g) {
  const ChunkKernel kernel = use_avx512(g) ? weight_chunk_avx512 : weight_chunk_baseline;
  const Staging s(g);
  const std::int64_t N = g.batch, wsize = g.out_channels * g.patch_size();
  const std::int64_t in_image = g.channels * g.in_h * g.in_w, out_image = g.out_channels * g.out_h * g.out_w;
  if (N == 0) {
    std::fill(dw, dw + wsize, 0.0f);
    return;
  }
  const std::int64_t chunk = (N + std::min(kMaxPartials, N) - 1) / std::min(kMaxPartials, N);
  sum_over_batch_chunks<float>(N, chunk, wsize, dw, [&](std::int64_t, std::int64_t n0, std::int64_t n1, float* acc) {
    Scratch<float> staged((n1 - n0) * s.image);
    for (std::int64_t n = n0; n < n1; ++n) stage_image(x + n * in_image, g, s, staged.get() + (n - n0) * s.image);
    kernel(staged.get(), s, grad + n0 * out_image, n1 - n0, g, acc);
  });
}

}  // namespace xg::kernels
