// conv2d and its two adjoints, each one node over a kernel of core/kernels/conv.hpp, each
// differentiated by the other two (see conv.hpp), plus their op-table rows.
#include <xgrad/autograd/ops/conv.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/activation_grad.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/conv.hpp>

#include <string>

namespace xg {

using autograd::Context;
using Grads = std::vector<Tensor>;

namespace {

// Conv2dParams <-> Context::ints (stride, padding, dilation: 8 values).
std::vector<std::int64_t> pack(const Conv2dParams& p) {
  return {p.stride[0], p.stride[1], p.padding.top, p.padding.bottom, p.padding.left, p.padding.right,
          p.dilation[0], p.dilation[1]};
}
Conv2dParams unpack(const std::vector<std::int64_t>& v) {
  return {.stride = {v[0], v[1]}, .padding = {v[2], v[3], v[4], v[5]}, .dilation = {v[6], v[7]}};
}

// The geometry of conv2d(input, weight) with `p`; every shape error names `op` and both shapes.
kernels::Conv2dGeometry geometry(const char* op, const Shape& input, const Shape& weight, const Conv2dParams& p) {
  const std::string shapes = "(input " + shape_str(input) + ", weight " + shape_str(weight) + ")";
  if (weight.size() != 4)
    throw ShapeError(std::string(op) + ": expected a 4-d weight [out_channels, in_channels, kh, kw] " + shapes);
  if (input.size() != 4) throw ShapeError(std::string(op) + ": expected a 4-d input [N, C, H, W] " + shapes);
  if (input[1] != weight[1])
    throw ShapeError(std::string(op) + ": input has " + std::to_string(input[1]) + " channels but weight expects " +
                     std::to_string(weight[1]) + " " + shapes);
  const kernels::Window2d window{.kernel_h = weight[2], .kernel_w = weight[3],
                                 .stride_h = p.stride[0], .stride_w = p.stride[1],
                                 .pad_top = p.padding.top, .pad_bottom = p.padding.bottom,
                                 .pad_left = p.padding.left, .pad_right = p.padding.right,
                                 .dilation_h = p.dilation[0], .dilation_w = p.dilation[1]};
  return kernels::make_conv2d_geometry(op, input, weight[0], window);
}

// `grad` must have conv2d's output shape for the geometry.
void check_grad_shape(const char* op, const Tensor& grad, const kernels::Conv2dGeometry& g) {
  if (grad.shape() != g.output_shape())
    throw ShapeError(std::string(op) + ": gradient of shape " + shape_str(grad.shape()) +
                     " does not match the conv2d output shape " + shape_str(g.output_shape()) + " (input " +
                     shape_str(g.input_shape()) + ", weight " + shape_str(g.weight_shape()) + ")");
}

Dtype common_dtype(const Tensor& a, const Tensor& b) { return promote(a.dtype(), b.dtype()); }

// saved = {x, W} (+ the output when an activation is fused), ints = params + {has_bias, activation}.
Grads conv2d_grad(Context& c, const Tensor& g_out) {
  const Conv2dParams p = unpack(c.ints);
  const auto act = static_cast<Activation>(c.ints[9]);
  const Tensor g = autograd::fused_activation_grad(c, act, g_out);
  const Tensor x = c.saved(0), w = c.saved(1);
  Grads grads;
  if (!autograd::GradMode::is_enabled() && g.dtype() == x.dtype()) {  // first-order: one kernel for both
    auto [dx, dw] = kernels::conv2d_backward(x, g, w, geometry("conv2d", x.shape(), w.shape(), p),
                                              c.needs_input_grad(0), c.needs_input_grad(1));
    grads = {dx, dw};
  } else {
    grads = {c.needs_input_grad(0) ? conv2d_backward_input(g, w, x.shape(), p) : Tensor(),
             c.needs_input_grad(1) ? conv2d_backward_weight(x, g, w.shape(), p) : Tensor()};
  }
  if (c.ints[8] != 0) grads.push_back(c.needs_input_grad(2) ? sum(g, {0, 2, 3}) : Tensor());
  return grads;
}

// saved = {grad, W}; the output is linear in both.
Grads backward_input_grad(Context& c, const Tensor& gg) {
  const Conv2dParams p = unpack(c.ints);
  const Tensor grad = c.saved(0), w = c.saved(1);
  return {c.needs_input_grad(0) ? conv2d(gg, w, {}, p) : Tensor(),
          c.needs_input_grad(1) ? conv2d_backward_weight(gg, grad, w.shape(), p) : Tensor()};
}

// saved = {x, grad}; the output is linear in both.
Grads backward_weight_grad(Context& c, const Tensor& gg) {
  const Conv2dParams p = unpack(c.ints);
  const Tensor x = c.saved(0), grad = c.saved(1);
  return {c.needs_input_grad(0) ? conv2d_backward_input(grad, gg, x.shape(), p) : Tensor(),
          c.needs_input_grad(1) ? conv2d(x, gg, {}, p) : Tensor()};
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p) {
  return conv2d(x, weight, bias, p, Activation::Identity);
}

namespace {
constexpr autograd::FusedNodeNames kConv2dNames{"Conv2d", "Conv2dRelu", "Conv2dTanh", "Conv2dSigmoid"};
}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p, Activation act) {
  const kernels::Conv2dGeometry g = geometry("conv2d", x.shape(), weight.shape(), p);
  if (bias.defined() && bias.shape() != Shape{g.out_channels})
    throw ShapeError("conv2d: bias of shape " + shape_str(bias.shape()) + " does not match weight of shape " +
                     shape_str(weight.shape()) + " (expected [" + std::to_string(g.out_channels) + "])");
  const Dtype dtype = bias.defined() ? promote(common_dtype(x, weight), bias.dtype()) : common_dtype(x, weight);
  const Tensor xc = x.to(dtype), wc = weight.to(dtype), bc = bias.defined() ? bias.to(dtype) : Tensor();
  Tensor y = kernels::conv2d_forward(xc, wc, bc, g, act);
  if (auto* ctx = autograd::track(autograd::fused_node_name(kConv2dNames, act), bias.defined() ? Grads{xc, wc, bc} : Grads{xc, wc}, y,
                                  conv2d_grad)) {
    ctx->save_for_backward({xc, wc});
    if (act != Activation::Identity) ctx->save_output();
    ctx->ints = pack(p);
    ctx->ints.push_back(bias.defined());
    ctx->ints.push_back(static_cast<std::int64_t>(act));
  }
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Shape& input_shape, Conv2dParams p) {
  const kernels::Conv2dGeometry g = geometry("conv2d_backward_input", input_shape, weight.shape(), p);
  check_grad_shape("conv2d_backward_input", grad, g);
  const Dtype dtype = common_dtype(grad, weight);
  const Tensor gc = grad.to(dtype), wc = weight.to(dtype);
  Tensor dx = kernels::conv2d_backward_input(gc, wc, g);
  if (auto* ctx = autograd::track("Conv2dBackwardInput", {gc, wc}, dx, backward_input_grad)) {
    ctx->save_for_backward({gc, wc});
    ctx->ints = pack(p);
  }
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& x, const Tensor& grad, const Shape& weight_shape, Conv2dParams p) {
  const kernels::Conv2dGeometry g = geometry("conv2d_backward_weight", x.shape(), weight_shape, p);
  check_grad_shape("conv2d_backward_weight", grad, g);
  const Dtype dtype = common_dtype(x, grad);
  const Tensor xc = x.to(dtype), gc = grad.to(dtype);
  Tensor dw = kernels::conv2d_backward_weight(xc, gc, g);
  if (auto* ctx = autograd::track("Conv2dBackwardWeight", {xc, gc}, dw, backward_weight_grad)) {
    ctx->save_for_backward({xc, gc});
    ctx->ints = pack(p);
  }
  return dw;
}

namespace {
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "conv2d", .shapes = {{2, 2, 5, 5}, {3, 2, 3, 3}, {3}}, .fn = [](V x) { return conv2d(x[0], x[1], x[2]); }},
    {.name = "conv2d/stride2", .shapes = {{2, 2, 5, 5}, {3, 2, 3, 3}, {3}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.stride = {2, 2}}); }},
    // 'same' for a 4x3 kernel on 5x4: pads (1, 2) rows and (1, 1) columns.
    {.name = "conv2d/same_asymmetric", .shapes = {{1, 2, 5, 4}, {2, 2, 4, 3}, {2}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.padding = {1, 2, 1, 1}}); }},
    {.name = "conv2d/dilation2", .shapes = {{1, 2, 6, 6}, {2, 2, 2, 3}, {2}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.dilation = {2, 2}}); }},
    {.name = "conv2d/no_bias", .shapes = {{2, 2, 4, 4}, {3, 2, 2, 2}},
     .fn = [](V x) { return conv2d(x[0], x[1], {}, {.stride = {1, 2}, .padding = {1, 0, 0, 1}}); }},
    {.name = "conv2d/channels_batch", .shapes = {{2, 3, 4, 4}, {4, 3, 3, 3}, {4}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.padding = {1, 1, 1, 1}}); }},
    {.name = "conv2d/relu_same", .shapes = {{2, 2, 5, 5}, {3, 2, 3, 3}, {3}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.padding = {1, 1, 1, 1}}, Activation::Relu); }},
    {.name = "conv2d/tanh", .shapes = {{1, 2, 4, 4}, {2, 2, 3, 3}, {2}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {}, Activation::Tanh); }},
    {.name = "conv2d/pointwise", .shapes = {{2, 3, 3, 3}, {2, 3, 1, 1}, {2}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2]); }},
    // Four channels on both sides take the Winograd kernels (core/kernels/winograd.hpp).
    {.name = "conv2d/winograd_5x5_same", .shapes = {{2, 4, 5, 5}, {4, 4, 5, 5}, {4}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.padding = {2, 2, 2, 2}}); }},
    {.name = "conv2d/winograd_3x3_relu", .shapes = {{1, 4, 6, 5}, {5, 4, 3, 3}, {5}},
     .fn = [](V x) { return conv2d(x[0], x[1], x[2], {.padding = {1, 0, 1, 1}}, Activation::Relu); }},
    {.name = "conv2d_backward_input/winograd", .shapes = {{1, 4, 5, 5}, {4, 4, 3, 3}},
     .fn = [](V x) { return conv2d_backward_input(x[0], x[1], {1, 4, 5, 5}, {.padding = {1, 1, 1, 1}}); }},
    {.name = "conv2d_backward_weight/winograd", .shapes = {{2, 4, 6, 6}, {2, 4, 4, 4}},
     .fn = [](V x) { return conv2d_backward_weight(x[0], x[1], {4, 4, 3, 3}); }},
    {.name = "conv2d_backward_input", .shapes = {{2, 3, 3, 3}, {3, 2, 3, 3}},
     .fn = [](V x) { return conv2d_backward_input(x[0], x[1], {2, 2, 5, 5}); }},
    // Stride 2 on 6x6 with a 3x3 kernel never reaches the last row and column: their gradient is 0.
    {.name = "conv2d_backward_input/stride2", .shapes = {{2, 3, 2, 2}, {3, 2, 3, 3}},
     .fn = [](V x) { return conv2d_backward_input(x[0], x[1], {2, 2, 6, 6}, {.stride = {2, 2}}); }},
    {.name = "conv2d_backward_weight", .shapes = {{2, 2, 5, 5}, {2, 3, 3, 3}},
     .fn = [](V x) { return conv2d_backward_weight(x[0], x[1], {3, 2, 3, 3}); }},
    {.name = "conv2d_backward_weight/padded_strided", .shapes = {{2, 2, 5, 5}, {2, 3, 3, 2}},
     .fn = [](V x) {
       return conv2d_backward_weight(x[0], x[1], {3, 2, 2, 3}, {.stride = {2, 2}, .padding = {1, 0, 0, 1}});
     }},
});
}  // namespace

}  // namespace xg
