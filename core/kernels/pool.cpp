// Pooling kernels. One loop skeleton (for_each_tap) walks an output row tap by tap: for each
// window position (i, j) it hands over the input row and the span of output columns whose tap is
// inside the image, so max, average and the average's adjoint are plain loops along the output row
// (no bounds checks, no branches; they vectorize). Planes are independent and each is processed
// serially by one task, so accumulations (overlapping windows) happen in a fixed order.
#include <xgrad/core/kernels/pool.hpp>

#include <xgrad/core/kernels/max_pool_2x2.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace xg::kernels {
namespace {

// Planes handed to one task: about this many input elements.
constexpr std::int64_t kGrainElements = 16384;

// Runs body(plane_begin, plane_end) over [0, planes) in parallel chunks.
template <class Body> void for_each_plane(std::int64_t planes, std::int64_t plane_elements, Body&& body) {
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainElements / std::max<std::int64_t>(plane_elements, 1));
  parallel_for(0, planes, grain, [&](std::int64_t p0, std::int64_t p1) { body(p0, p1); });
}

// Tables of one pooling geometry (identical for every plane): for each window column j, the
// output columns whose tap lands inside the image; for each output row / column, its first
// position inside the image and how many window rows / columns lie inside.
struct PoolPlan {
  std::vector<Span> col_spans;
  std::vector<std::int64_t> first_row, rows_inside, first_col, cols_inside;
};

void axis_table(std::int64_t out, std::int64_t stride, std::int64_t pad, std::int64_t kernel, std::int64_t size,
                std::vector<std::int64_t>& first, std::vector<std::int64_t>& inside) {
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = o * stride - pad;
    first.push_back(std::max<std::int64_t>(start, 0));
    inside.push_back(std::min(start + kernel, size) - first.back());
  }
}

PoolPlan make_plan(const Conv2dGeometry& g) {
  const Window2d& w = g.window;
  PoolPlan p;
  for (std::int64_t j = 0; j < w.kernel_w; ++j)
    p.col_spans.push_back(valid_span(j - w.pad_left, w.stride_w, g.in_w, g.out_w));
  axis_table(g.out_h, w.stride_h, w.pad_top, w.kernel_h, g.in_h, p.first_row, p.rows_inside);
  axis_table(g.out_w, w.stride_w, w.pad_left, w.kernel_w, g.in_w, p.first_col, p.cols_inside);
  return p;
}

// Calls tap(ih, offset, span) for every window tap (i, j) of output row oh whose input row ih is
// inside the image, in row-major window order: output column ow (for ow in span) reads input
// column ow * stride_w + offset of row ih. The loops over a span are contiguous in the output
// row, so the bodies below vectorize.
template <class Tap> void for_each_tap(const Conv2dGeometry& g, const PoolPlan& p, std::int64_t oh, Tap&& tap) {
  const Window2d& w = g.window;
  for (std::int64_t i = 0; i < w.kernel_h; ++i) {
    const std::int64_t ih = oh * w.stride_h - w.pad_top + i;
    if (ih < 0 || ih >= g.in_h) continue;
    for (std::int64_t j = 0; j < w.kernel_w; ++j) tap(ih, j - w.pad_left, p.col_spans[static_cast<std::size_t>(j)]);
  }
}

// The divisor of output (oh, ow) of an average.
template <class T>
T divisor(const Conv2dGeometry& g, const PoolPlan& p, std::int64_t oh, std::int64_t ow, bool include_pad) {
  if (include_pad) return static_cast<T>(g.window.kernel_h * g.window.kernel_w);
  return static_cast<T>(p.rows_inside[static_cast<std::size_t>(oh)] * p.cols_inside[static_cast<std::size_t>(ow)]);
}

// The row loops, as functions of plain values (no captured references, restrict pointers) so
// the compiler can vectorize them. Output column ow (in span s) reads row[ow * stride + offset].
template <class T>
void max_row(const T* __restrict row, std::int64_t stride, std::int64_t offset, std::int64_t base, Span s,
             T* __restrict best, std::int64_t* __restrict arg) {
  // Selects, not branches: a strictly larger value (or the first NaN) takes the place.
  for (std::int64_t ow = s.lo; ow < s.hi; ++ow) {
    const T v = row[ow * stride + offset], b = best[ow];
    const bool take = max_pool_takes(v, b);
    best[ow] = take ? v : b;
    arg[ow] = take ? base + ow * stride : arg[ow];
  }
}

template <class T>
void add_row(const T* __restrict row, std::int64_t stride, std::int64_t offset, Span s, T* __restrict acc) {
  for (std::int64_t ow = s.lo; ow < s.hi; ++ow) acc[ow] += row[ow * stride + offset];
}

template <class T>
void spread_row(const T* __restrict share, std::int64_t stride, std::int64_t offset, Span s, T* __restrict row) {
  for (std::int64_t ow = s.lo; ow < s.hi; ++ow) row[ow * stride + offset] += share[ow];
}

// A 2x2 window with stride 2 and no padding (the common pooling layer): each output reads two
// adjacent pairs of two input rows, with the same "first strictly larger, or first NaN" rule.
bool is_2x2_stride2(const Conv2dGeometry& g) {
  const Window2d& w = g.window;
  return w.kernel_h == 2 && w.kernel_w == 2 && w.stride_h == 2 && w.stride_w == 2 && w.pad_top == 0 &&
         w.pad_left == 0 && w.dilation_h == 1 && w.dilation_w == 1 && 2 * g.out_h <= g.in_h && 2 * g.out_w <= g.in_w;
}

template <class T> void max_pool_impl(const T* x, T* values, std::int64_t* indices, const Conv2dGeometry& g) {
  const std::int64_t W = g.in_w, OW = g.out_w, sw = g.window.stride_w;
  const std::int64_t in_plane = g.in_h * W, out_plane = g.out_h * OW;
  if (is_2x2_stride2(g)) {
    for_each_plane(g.batch * g.channels, in_plane, [&](std::int64_t p0, std::int64_t p1) {
      for (std::int64_t p = p0; p < p1; ++p)
        for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
          const T* r0 = x + p * in_plane + 2 * oh * W;
          max_pool_2x2_row(r0, r0 + W, 2 * oh * W, W, OW, values + p * out_plane + oh * OW,
                           indices + p * out_plane + oh * OW);
        }
    });
    return;
  }
  const PoolPlan plan = make_plan(g);
  for_each_plane(g.batch * g.channels, in_plane, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      const T* xp = x + p * in_plane;
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        T* best = values + p * out_plane + oh * OW;
        std::int64_t* arg = indices + p * out_plane + oh * OW;
        // -inf with the window's first position: a window of -inf keeps that position.
        const std::int64_t row0 = plan.first_row[static_cast<std::size_t>(oh)] * W;
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          best[ow] = -std::numeric_limits<T>::infinity();
          arg[ow] = row0 + plan.first_col[static_cast<std::size_t>(ow)];
        }
        for_each_tap(g, plan, oh, [&](std::int64_t ih, std::int64_t offset, Span s) {
          max_row(xp + ih * W, sw, offset, ih * W + offset, s, best, arg);
        });
      }
    }
  });
}

template <class T>
void scatter_impl(const T* grad, const std::int64_t* indices, T* dx, std::int64_t planes, std::int64_t in_plane,
                  std::int64_t out_plane) {
  for_each_plane(planes, in_plane, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      T* dp = dx + p * in_plane;
      const T* gp = grad + p * out_plane;
      const std::int64_t* ip = indices + p * out_plane;
      std::fill(dp, dp + in_plane, T(0));
      for (std::int64_t o = 0; o < out_plane; ++o) dp[ip[o]] += gp[o];
    }
  });
}

template <class T>
void gather_impl(const T* x, const std::int64_t* indices, T* out, std::int64_t planes, std::int64_t in_plane,
                 std::int64_t out_plane) {
  for_each_plane(planes, in_plane, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      const T* xp = x + p * in_plane;
      const std::int64_t* ip = indices + p * out_plane;
      T* op = out + p * out_plane;
      for (std::int64_t o = 0; o < out_plane; ++o) op[o] = xp[ip[o]];
    }
  });
}

template <class T> void avg_pool_impl(const T* x, T* out, const Conv2dGeometry& g, bool include_pad) {
  const std::int64_t W = g.in_w, OW = g.out_w, sw = g.window.stride_w;
  const std::int64_t in_plane = g.in_h * W, out_plane = g.out_h * OW;
  const PoolPlan plan = make_plan(g);
  for_each_plane(g.batch * g.channels, in_plane, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      const T* xp = x + p * in_plane;
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        T* acc = out + p * out_plane + oh * OW;
        std::fill(acc, acc + OW, T(0));
        for_each_tap(g, plan, oh,
                     [&](std::int64_t ih, std::int64_t offset, Span s) { add_row(xp + ih * W, sw, offset, s, acc); });
        for (std::int64_t ow = 0; ow < OW; ++ow) acc[ow] /= divisor<T>(g, plan, oh, ow, include_pad);
      }
    }
  });
}

template <class T> void avg_pool_backward_impl(const T* grad, T* dx, const Conv2dGeometry& g, bool include_pad) {
  const std::int64_t W = g.in_w, OW = g.out_w, sw = g.window.stride_w;
  const std::int64_t in_plane = g.in_h * W, out_plane = g.out_h * OW;
  const PoolPlan plan = make_plan(g);
  for_each_plane(g.batch * g.channels, in_plane, [&](std::int64_t p0, std::int64_t p1) {
    std::vector<T> share(static_cast<std::size_t>(OW));
    for (std::int64_t p = p0; p < p1; ++p) {
      T* dp = dx + p * in_plane;
      std::fill(dp, dp + in_plane, T(0));
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        const T* gr = grad + p * out_plane + oh * OW;
        for (std::int64_t ow = 0; ow < OW; ++ow)
          share[static_cast<std::size_t>(ow)] = gr[ow] / divisor<T>(g, plan, oh, ow, include_pad);
        for_each_tap(g, plan, oh, [&](std::int64_t ih, std::int64_t offset, Span s) {
          spread_row(share.data(), sw, offset, s, dp + ih * W);
        });
      }
    }
  });
}

// Planes and plane sizes of a scatter / gather between [N, C, H, W] and [N, C, OH, OW].
struct PlaneSizes {
  std::int64_t planes, in_plane, out_plane;
};
PlaneSizes plane_sizes(const char* op, const Shape& input, const Tensor& indices) {
  const Shape& out = indices.shape();
  if (input.size() != 4 || out.size() != 4 || input[0] != out[0] || input[1] != out[1] ||
      indices.dtype() != Dtype::Int64)
    throw ShapeError(std::string(op) + ": indices " + shape_str(out) + " (" + std::string(dtype_name(indices.dtype())) +
                     ") do not match input " + shape_str(input) + "; expected int64 [N, C, OH, OW]");
  return {input[0] * input[1], input[2] * input[3], out[2] * out[3]};
}

}  // namespace

MaxPoolResult max_pool2d(const Tensor& x, const Conv2dGeometry& g) {
  MaxPoolResult r{empty_tensor(g.output_shape(), x.dtype()), empty_tensor(g.output_shape(), Dtype::Int64)};
  dispatch_float(x.dtype(), "max_pool2d", [&]<class T>() {
    max_pool_impl<T>(x.data<T>(), r.values.data<T>(), r.indices.data<std::int64_t>(), g);
  });
  return r;
}

Tensor max_pool2d_scatter(const Tensor& grad, const Tensor& indices, const Shape& input_shape) {
  const PlaneSizes s = plane_sizes("max_pool2d_backward", input_shape, indices);
  if (grad.shape() != indices.shape())
    throw ShapeError("max_pool2d_backward: gradient " + shape_str(grad.shape()) + " does not match indices " +
                     shape_str(indices.shape()));
  Tensor dx = empty_tensor(input_shape, grad.dtype());
  dispatch_float(grad.dtype(), "max_pool2d_backward", [&]<class T>() {
    scatter_impl<T>(grad.data<T>(), indices.data<std::int64_t>(), dx.data<T>(), s.planes, s.in_plane, s.out_plane);
  });
  return dx;
}

Tensor max_pool2d_gather(const Tensor& x, const Tensor& indices) {
  const PlaneSizes s = plane_sizes("max_pool2d_gather", x.shape(), indices);
  Tensor out = empty_tensor(indices.shape(), x.dtype());
  dispatch_float(x.dtype(), "max_pool2d_gather", [&]<class T>() {
    gather_impl<T>(x.data<T>(), indices.data<std::int64_t>(), out.data<T>(), s.planes, s.in_plane, s.out_plane);
  });
  return out;
}

Tensor avg_pool2d(const Tensor& x, const Conv2dGeometry& g, bool count_include_pad) {
  Tensor out = empty_tensor(g.output_shape(), x.dtype());
  dispatch_float(x.dtype(), "avg_pool2d",
                 [&]<class T>() { avg_pool_impl<T>(x.data<T>(), out.data<T>(), g, count_include_pad); });
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad, const Conv2dGeometry& g, bool count_include_pad) {
  Tensor dx = empty_tensor(g.input_shape(), grad.dtype());
  dispatch_float(grad.dtype(), "avg_pool2d_backward",
                 [&]<class T>() { avg_pool_backward_impl<T>(grad.data<T>(), dx.data<T>(), g, count_include_pad); });
  return dx;
}

}  // namespace xg::kernels
