// max_pool2d and avg_pool2d over the kernels of core/kernels/pool.hpp. Their backward passes are
// nodes too: the max-pool scatter and gather by saved indices differentiate each other, and the
// average-pool backward is differentiated by avg_pool2d itself. Op-table rows at the end.
#include <xgrad/autograd/ops/pool.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/pool.hpp>

#include <string>

namespace xg {

using autograd::Context;
using Grads = std::vector<Tensor>;

namespace {

// Validated pooling geometry. Each pad must be smaller than the window, so that every window
// overlaps the image (a window of padding only has no maximum and no element to average).
kernels::Conv2dGeometry pool_geometry(const char* op, const Shape& input, Size2d kernel, Size2d stride,
                                      const Pads2d& pad) {
  const kernels::Window2d window{.kernel_h = kernel[0], .kernel_w = kernel[1],
                                 .stride_h = stride[0], .stride_w = stride[1],
                                 .pad_top = pad.top, .pad_bottom = pad.bottom,
                                 .pad_left = pad.left, .pad_right = pad.right};
  const kernels::Conv2dGeometry g =
      kernels::make_conv2d_geometry(op, input, input.size() == 4 ? input[1] : 0, window, "pool window");
  if (std::max(pad.top, pad.bottom) >= kernel[0] || std::max(pad.left, pad.right) >= kernel[1])
    throw ValueError(std::string(op) + ": padding (top, bottom, left, right) = (" + std::to_string(pad.top) + ", " +
                     std::to_string(pad.bottom) + ", " + std::to_string(pad.left) + ", " + std::to_string(pad.right) +
                     ") must be smaller than the pool window [" + std::to_string(kernel[0]) + ", " +
                     std::to_string(kernel[1]) + "]");
  return g;
}

// Window parameters <-> Context::ints: kernel, stride, padding (8 values) + count_include_pad.
std::vector<std::int64_t> pack(const kernels::Window2d& w, bool include_pad) {
  return {w.kernel_h,   w.kernel_w, w.stride_h,  w.stride_w, w.pad_top,
          w.pad_bottom, w.pad_left, w.pad_right, include_pad};
}

// ---- max pooling: scatter (the backward) and gather (its backward) by the saved argmax indices ----
Tensor max_pool_scatter(const Tensor& grad, const Tensor& indices, const Shape& input_shape);
Tensor max_pool_gather(const Tensor& x, const Tensor& indices);

// saved = {indices}, shapes = {input shape}.
Grads max_pool2d_grad(Context& c, const Tensor& g) { return {max_pool_scatter(g, c.saved(0), c.shapes[0])}; }
// saved = {indices}.
Grads scatter_grad(Context& c, const Tensor& g) { return {max_pool_gather(g, c.saved(0))}; }
// saved = {indices}, shapes = {x shape}.
Grads gather_grad(Context& c, const Tensor& g) { return {max_pool_scatter(g, c.saved(0), c.shapes[0])}; }

Tensor max_pool_scatter(const Tensor& grad, const Tensor& indices, const Shape& input_shape) {
  Tensor dx = kernels::max_pool2d_scatter(grad, indices, input_shape);
  if (auto* ctx = autograd::track("MaxPool2dBackward", {grad}, dx, scatter_grad)) ctx->save_for_backward({indices});
  return dx;
}

Tensor max_pool_gather(const Tensor& x, const Tensor& indices) {
  Tensor out = kernels::max_pool2d_gather(x, indices);
  if (auto* ctx = autograd::track("MaxPool2dGather", {x}, out, gather_grad)) {
    ctx->save_for_backward({indices});
    ctx->shapes = {x.shape()};
  }
  return out;
}

// ---- average pooling: the backward is linear, differentiated by avg_pool2d ---------------------
struct AvgWindow {
  Size2d kernel, stride;
  Pads2d padding;
  bool include_pad;
};
AvgWindow unpack_avg(const std::vector<std::int64_t>& v) {
  return {{v[0], v[1]}, {v[2], v[3]}, {v[4], v[5], v[6], v[7]}, v[8] != 0};
}

Tensor avg_pool_backward(const Tensor& grad, const Shape& input_shape, const AvgWindow& w);

// ints = window; backward of avg_pool2d.
Grads avg_pool2d_grad(Context& c, const Tensor& g) {
  return {avg_pool_backward(g, c.input_shape(0), unpack_avg(c.ints))};
}
// ints = window; backward of the backward: avg_pool2d again.
Grads avg_backward_grad(Context& c, const Tensor& g) {
  const AvgWindow w = unpack_avg(c.ints);
  return {avg_pool2d(g, w.kernel, w.stride, w.padding, w.include_pad)};
}

Tensor avg_pool_backward(const Tensor& grad, const Shape& input_shape, const AvgWindow& w) {
  const kernels::Conv2dGeometry g = pool_geometry("avg_pool2d_backward", input_shape, w.kernel, w.stride, w.padding);
  if (grad.shape() != g.output_shape())
    throw ShapeError("avg_pool2d_backward: gradient of shape " + shape_str(grad.shape()) +
                     " does not match the pooled shape " + shape_str(g.output_shape()) + " of input " +
                     shape_str(input_shape));
  Tensor dx = kernels::avg_pool2d_backward(grad, g, w.include_pad);
  if (auto* ctx = autograd::track("AvgPool2dBackward", {grad}, dx, avg_backward_grad))
    ctx->ints = pack(g.window, w.include_pad);
  return dx;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2d kernel, std::optional<Size2d> stride, Pads2d padding) {
  const kernels::Conv2dGeometry g = pool_geometry("max_pool2d", x.shape(), kernel, stride.value_or(kernel), padding);
  kernels::MaxPoolResult r = kernels::max_pool2d(x, g);
  if (auto* ctx = autograd::track("MaxPool2d", {x}, r.values, max_pool2d_grad)) {
    ctx->save_for_backward({r.indices});
    ctx->shapes = {x.shape()};
  }
  return r.values;
}

Tensor avg_pool2d(const Tensor& x, Size2d kernel, std::optional<Size2d> stride, Pads2d padding,
                  bool count_include_pad) {
  const kernels::Conv2dGeometry g = pool_geometry("avg_pool2d", x.shape(), kernel, stride.value_or(kernel), padding);
  Tensor out = kernels::avg_pool2d(x, g, count_include_pad);
  if (auto* ctx = autograd::track("AvgPool2d", {x}, out, avg_pool2d_grad))
    ctx->ints = pack(g.window, count_include_pad);
  return out;
}

namespace {
using autograd::Domain;
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "max_pool2d", .shapes = {{2, 2, 4, 4}}, .domain = Domain::Distinct,
     .fn = [](V x) { return max_pool2d(x[0], {2, 2}); }},
    {.name = "max_pool2d/overlapping", .shapes = {{2, 2, 5, 5}}, .domain = Domain::Distinct,
     .fn = [](V x) { return max_pool2d(x[0], {3, 3}, Size2d{2, 2}); }},
    {.name = "max_pool2d/stride1_rect", .shapes = {{1, 2, 4, 5}}, .domain = Domain::Distinct,
     .fn = [](V x) { return max_pool2d(x[0], {2, 3}, Size2d{1, 1}); }},
    // 'same' for a 2x2 window with stride 2 on 5x5: one extra row and column at the bottom/right.
    {.name = "max_pool2d/same", .shapes = {{2, 2, 5, 5}}, .domain = Domain::Distinct,
     .fn = [](V x) { return max_pool2d(x[0], {2, 2}, std::nullopt, {0, 1, 0, 1}); }},
    {.name = "avg_pool2d", .shapes = {{2, 2, 4, 4}}, .fn = [](V x) { return avg_pool2d(x[0], {2, 2}); }},
    {.name = "avg_pool2d/overlapping", .shapes = {{1, 2, 5, 4}},
     .fn = [](V x) { return avg_pool2d(x[0], {3, 2}, Size2d{1, 1}); }},
    // 'same' for a 3x3 window with stride 2 on 5x5: one pad on each side, not counted.
    {.name = "avg_pool2d/same", .shapes = {{2, 2, 5, 5}},
     .fn = [](V x) { return avg_pool2d(x[0], {3, 3}, Size2d{2, 2}, {1, 1, 1, 1}); }},
    {.name = "avg_pool2d/count_include_pad", .shapes = {{1, 2, 4, 4}},
     .fn = [](V x) { return avg_pool2d(x[0], {3, 3}, Size2d{2, 2}, {1, 1, 1, 1}, true); }},
});
}  // namespace

}  // namespace xg
