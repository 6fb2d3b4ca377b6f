// im2col / col2im and the three GEMM drivers of conv2d (see conv.hpp for the scheme).
//
// im2col and col2im walk the column matrix with one shared loop (for_each_col_segment): for each
// row (c, i, j) and output row oh, the OW entries of a segment map to input row ih at columns
// ow*sw + j*dw - pl; the range of ow that lands inside the image is computed once per (j), so the
// inner loops have no bounds checks (and are plain contiguous copies / adds when the stride is 1).
#include <xgrad/core/kernels/conv.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/batch_chunks.hpp>
#include <xgrad/core/kernels/conv_direct.hpp>
#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/kernels/winograd.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <string>
#include <type_traits>

namespace xg::kernels {
namespace {

// The weight gradient is accumulated in at most kMaxPartials fixed chunks of the batch, with at
// most kPartialBudget elements of partial buffers in all (large layers get fewer chunks).
constexpr std::int64_t kMaxPartials = 8;
constexpr std::int64_t kPartialBudget = std::int64_t{1} << 22;

std::string pair_str(std::int64_t a, std::int64_t b) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

// Calls seg(col_segment, image_row, offset, span) for every row (c, i, j) of the column matrix and
// every output row oh, in that order: col_segment points at the OW entries of (row, oh),
// image_row at input row ih of channel c (nullptr when ih is in the padding), and output column
// ow of the segment reads image_row[ow * stride_w + offset] for ow in span.
template <class ColPtr, class ImagePtr, class Segment>
void for_each_col_segment(const Conv2dGeometry& g, ImagePtr image, ColPtr col, Segment&& seg) {
  const Window2d& w = g.window;
  const std::int64_t plane = g.in_h * g.in_w, L = g.out_h * g.out_w;
  for (std::int64_t c = 0; c < g.channels; ++c)
    for (std::int64_t i = 0; i < w.kernel_h; ++i)
      for (std::int64_t j = 0; j < w.kernel_w; ++j) {
        const std::int64_t row = (c * w.kernel_h + i) * w.kernel_w + j;
        const std::int64_t offset = j * w.dilation_w - w.pad_left;
        const Span span = valid_span(offset, w.stride_w, g.in_w, g.out_w);
        for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
          const std::int64_t ih = oh * w.stride_h - w.pad_top + i * w.dilation_h;
          const bool inside = ih >= 0 && ih < g.in_h;
          seg(col + row * L + oh * g.out_w, inside ? image + c * plane + ih * g.in_w : nullptr, offset, span);
        }
      }
}

// col [K, L] of one image.
template <class T> void im2col(const T* x, const Conv2dGeometry& g, T* col) {
  const std::int64_t OW = g.out_w, sw = g.window.stride_w;
  for_each_col_segment(g, x, col, [OW, sw](T* dst, const T* src, std::int64_t offset, Span s) {
    if (!src) {
      std::fill(dst, dst + OW, T(0));
      return;
    }
    std::fill(dst, dst + s.lo, T(0));
    if (sw == 1) {
      for (std::int64_t ow = s.lo; ow < s.hi; ++ow) dst[ow] = src[ow + offset];
    } else {
      for (std::int64_t ow = s.lo; ow < s.hi; ++ow) dst[ow] = src[ow * sw + offset];
    }
    std::fill(dst + s.hi, dst + OW, T(0));
  });
}

// x += the patches of col [K, L] added back at their input positions (the adjoint of im2col).
template <class T> void col2im_add(const T* col, const Conv2dGeometry& g, T* x) {
  const std::int64_t sw = g.window.stride_w;
  for_each_col_segment(g, x, col, [sw](const T* src, T* dst, std::int64_t offset, Span s) {
    if (!dst) return;
    if (sw == 1) {
      for (std::int64_t ow = s.lo; ow < s.hi; ++ow) dst[ow + offset] += src[ow];
    } else {
      for (std::int64_t ow = s.lo; ow < s.hi; ++ow) dst[ow * sw + offset] += src[ow];
    }
  });
}

// ---- per-image products -------------------------------------------------------------------------
// With two or more images, the batch is what runs in parallel and each image's product is one
// serial BLAS call: xg::gemm would also cut it into tiles, which costs ~1.7x the CPU time on
// conv-sized products (e.g. 64 x 196 x 800). A single image uses xg::gemm's parallel tiles. The
// choice depends on the sizes only, so results do not depend on the thread count.
template <class T>
void image_gemm(bool batch_parallel, bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, const T* A,
                const T* B, double beta, T* C) {
  if (batch_parallel)
    gemm_serial<T>(ta, tb, M, N, K, 1.0, A, ta ? M : K, B, tb ? K : N, beta, C, N);
  else
    gemm<T>(ta, tb, M, N, K, 1.0, A, B, beta, C);
}

// A 1x1 window with stride 1 and no padding: image n is already its own column matrix.
bool is_pointwise(const Conv2dGeometry& g) {
  const Window2d& w = g.window;
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_top == 0 &&
         w.pad_bottom == 0 && w.pad_left == 0 && w.pad_right == 0;
}

template <class T>
void forward_impl(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g, Activation act) {
  if (winograd_applies(g)) return winograd_forward<T>(x, w, b, y, g, act);
  if constexpr (std::is_same_v<T, float>)
    if (direct_conv_applies(g)) return direct_conv_forward(x, w, b, y, g, act);
  const std::int64_t K = g.patch_size(), L = g.out_h * g.out_w, O = g.out_channels;
  const std::int64_t in_image = g.channels * g.in_h * g.in_w;
  const bool pointwise = is_pointwise(g);
  parallel_for(0, g.batch, 1, [&](std::int64_t n0, std::int64_t n1) {
    Scratch<T> col(pointwise ? 0 : K * L);
    for (std::int64_t n = n0; n < n1; ++n) {
      const T* cols = x + n * in_image;
      if (!pointwise) {
        im2col(cols, g, col.get());
        cols = col.get();
      }
      T* out = y + n * O * L;
      if (b)
        for (std::int64_t o = 0; o < O; ++o) std::fill(out + o * L, out + (o + 1) * L, b[o]);
      image_gemm<T>(g.batch > 1, false, false, O, L, K, w, cols, b ? 1.0 : 0.0, out);
      apply_activation<T>(act, out, O * L);
    }
  });
}

template <class T> void backward_input_impl(const T* grad, const T* w, T* dx, const Conv2dGeometry& g) {
  if (winograd_applies(g)) return winograd_backward<T>(nullptr, grad, w, dx, nullptr, g);
  const std::int64_t K = g.patch_size(), L = g.out_h * g.out_w, O = g.out_channels;
  const std::int64_t in_image = g.channels * g.in_h * g.in_w;
  const bool pointwise = is_pointwise(g);
  parallel_for(0, g.batch, 1, [&](std::int64_t n0, std::int64_t n1) {
    Scratch<T> col(pointwise ? 0 : K * L);
    for (std::int64_t n = n0; n < n1; ++n) {
      T* dx_n = dx + n * in_image;
      if (pointwise) {
        image_gemm<T>(g.batch > 1, true, false, K, L, O, w, grad + n * O * L, 0.0, dx_n);
        continue;
      }
      image_gemm<T>(g.batch > 1, true, false, K, L, O, w, grad + n * O * L, 0.0, col.get());
      std::fill(dx_n, dx_n + in_image, T(0));
      col2im_add(col.get(), g, dx_n);
    }
  });
}

template <class T> void backward_weight_impl(const T* x, const T* grad, T* dw, const Conv2dGeometry& g) {
  if (winograd_applies(g)) return winograd_backward<T>(x, grad, nullptr, nullptr, dw, g);
  if constexpr (std::is_same_v<T, float>)
    if (direct_conv_applies(g)) return direct_conv_backward_weight(x, grad, dw, g);
  const std::int64_t K = g.patch_size(), L = g.out_h * g.out_w, O = g.out_channels, N = g.batch;
  const std::int64_t in_image = g.channels * g.in_h * g.in_w, wsize = O * K;
  if (N == 0) {
    std::fill(dw, dw + wsize, T(0));
    return;
  }
  // At most kMaxPartials fixed chunks of the batch (fewer for large layers), added in order.
  const std::int64_t partials = std::clamp(std::min(kMaxPartials, kPartialBudget / std::max<std::int64_t>(wsize, 1)),
                                           std::int64_t{1}, N);
  const std::int64_t chunk = (N + partials - 1) / partials, chunks = (N + chunk - 1) / chunk;
  const bool pointwise = is_pointwise(g);
  sum_over_batch_chunks<T>(N, chunk, wsize, dw, [&](std::int64_t, std::int64_t n0, std::int64_t n1, T* acc) {
    Scratch<T> col(pointwise ? 0 : K * L);
    for (std::int64_t n = n0; n < n1; ++n) {
      const T* cols = x + n * in_image;
      if (!pointwise) {
        im2col(cols, g, col.get());
        cols = col.get();
      }
      image_gemm<T>(chunks > 1, false, true, O, K, L, grad + n * O * L, cols, n == n0 ? 0.0 : 1.0, acc);
    }
  });
}

void check_dtypes(const char* op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw DtypeError(std::string(op) + ": dtypes differ (" + std::string(dtype_name(a.dtype())) + " and " +
                     std::string(dtype_name(b.dtype())) + ")");
}

}  // namespace

Span valid_span(std::int64_t offset, std::int64_t stride, std::int64_t size, std::int64_t n) {
  const std::int64_t lo = std::min(offset >= 0 ? 0 : (-offset + stride - 1) / stride, n);
  const std::int64_t hi = offset > size - 1 ? 0 : (size - 1 - offset) / stride + 1;
  return {lo, std::clamp(hi, lo, n)};
}

Conv2dGeometry make_conv2d_geometry(const char* op, const Shape& input, std::int64_t out_channels,
                                    const Window2d& w, const char* what) {
  const std::string name(op);
  if (input.size() != 4)
    throw ShapeError(name + ": expected a 4-d input [N, C, H, W], got shape " + shape_str(input));
  auto require_positive = [&](const char* field, std::int64_t h, std::int64_t v) {
    if (h < 1 || v < 1)
      throw ValueError(name + ": " + field + " must be positive, got " + pair_str(h, v));
  };
  require_positive(what, w.kernel_h, w.kernel_w);
  require_positive("stride", w.stride_h, w.stride_w);
  require_positive("dilation", w.dilation_h, w.dilation_w);
  const std::string pads = "(top, bottom, left, right) = (" + std::to_string(w.pad_top) + ", " +
                           std::to_string(w.pad_bottom) + ", " + std::to_string(w.pad_left) + ", " +
                           std::to_string(w.pad_right) + ")";
  if (std::min({w.pad_top, w.pad_bottom, w.pad_left, w.pad_right}) < 0)
    throw ValueError(name + ": padding must be non-negative, got " + pads);

  Conv2dGeometry g{.batch = input[0], .channels = input[1], .in_h = input[2], .in_w = input[3],
                   .out_channels = out_channels, .window = w};
  const std::int64_t span_h = w.dilation_h * (w.kernel_h - 1) + 1, span_w = w.dilation_w * (w.kernel_w - 1) + 1;
  const std::int64_t padded_h = g.in_h + w.pad_top + w.pad_bottom, padded_w = g.in_w + w.pad_left + w.pad_right;
  if (span_h > padded_h || span_w > padded_w) {
    const bool dilated = w.dilation_h != 1 || w.dilation_w != 1;
    throw ShapeError(name + ": " + what + " " + pair_str(w.kernel_h, w.kernel_w) +
                     (dilated ? " (dilated to " + pair_str(span_h, span_w) + ")" : std::string()) +
                     " is larger than the padded input " + pair_str(padded_h, padded_w) + " (input " +
                     shape_str(input) + ", padding " + pads + ")");
  }
  g.out_h = (padded_h - span_h) / w.stride_h + 1;
  g.out_w = (padded_w - span_w) / w.stride_w + 1;
  return g;
}

Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dGeometry& g,
                      Activation act) {
  check_dtypes("conv2d", x, weight);
  if (bias.defined()) check_dtypes("conv2d", x, bias);
  Tensor y = empty_tensor(g.output_shape(), x.dtype());
  dispatch_float(x.dtype(), "conv2d", [&]<class T>() {
    forward_impl<T>(x.data<T>(), weight.data<T>(), bias.defined() ? bias.data<T>() : nullptr, y.data<T>(), g, act);
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Conv2dGeometry& g) {
  check_dtypes("conv2d_backward_input", grad, weight);
  Tensor dx = empty_tensor(g.input_shape(), grad.dtype());
  dispatch_float(grad.dtype(), "conv2d_backward_input",
                 [&]<class T>() { backward_input_impl<T>(grad.data<T>(), weight.data<T>(), dx.data<T>(), g); });
  return dx;
}

Conv2dGrads conv2d_backward(const Tensor& x, const Tensor& grad, const Tensor& weight, const Conv2dGeometry& g,
                            bool input_grad, bool weight_grad) {
  if (!winograd_applies(g) || !input_grad || !weight_grad)
    return {input_grad ? conv2d_backward_input(grad, weight, g) : Tensor(),
            weight_grad ? conv2d_backward_weight(x, grad, g) : Tensor()};
  check_dtypes("conv2d_backward", x, grad);
  check_dtypes("conv2d_backward", grad, weight);
  Conv2dGrads out{empty_tensor(g.input_shape(), x.dtype()), empty_tensor(g.weight_shape(), x.dtype())};
  dispatch_float(x.dtype(), "conv2d_backward", [&]<class T>() {
    winograd_backward<T>(x.data<T>(), grad.data<T>(), weight.data<T>(), out.input.data<T>(), out.weight.data<T>(), g);
  });
  return out;
}

Tensor conv2d_backward_weight(const Tensor& x, const Tensor& grad, const Conv2dGeometry& g) {
  check_dtypes("conv2d_backward_weight", x, grad);
  Tensor dw = empty_tensor(g.weight_shape(), x.dtype());
  dispatch_float(x.dtype(), "conv2d_backward_weight",
                 [&]<class T>() { backward_weight_impl<T>(x.data<T>(), grad.data<T>(), dw.data<T>(), g); });
  return dw;
}

}  // namespace xg::kernels
