// Matrix products. mm records one node over kernels::matmul_raw and differentiates itself with
// other transpose flags; matmul/dot/outer reshape into mm; linear is one fused node (addmm).
#include <xgrad/autograd/ops/linalg.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/activation_grad.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/autograd/ops/shape.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/activation.hpp>
#include <xgrad/core/kernels/gemm.hpp>

#include <string>

namespace xg {

using autograd::Context;
using Grads = std::vector<Tensor>;

namespace {

// saved = {a, b}, ints = {trans_a, trans_b}. With G the output gradient, d op(A) = G op(B)^T and
// d op(B) = op(A)^T G; an operand used transposed gets the transpose of that, which is again one
// mm with other flags (the four cases are spelled out in linalg.hpp).
Grads mm_backward(Context& c, const Tensor& g) {
  const bool ta = c.ints[0] != 0, tb = c.ints[1] != 0;
  const Tensor a = c.saved(0), b = c.saved(1);
  return {c.needs_input_grad(0) ? (ta ? mm(b, g, tb, true) : mm(g, b, false, !tb)) : Tensor(),
          c.needs_input_grad(1) ? (tb ? mm(g, a, true, ta) : mm(a, g, !ta, false)) : Tensor()};
}

// saved = {x [rows, in], W [out, in]} (+ the output when an activation is fused), ints = {has_bias,
// activation}. y = act(x W^T + b).
Grads linear_backward(Context& c, const Tensor& g_out) {
  const auto act = static_cast<Activation>(c.ints[1]);
  const Tensor g = autograd::fused_activation_grad(c, act, g_out);
  const Tensor x = c.saved(0), w = c.saved(1);
  Grads grads{c.needs_input_grad(0) ? mm(g, w) : Tensor(), c.needs_input_grad(1) ? mm(g, x, true, false) : Tensor()};
  if (c.ints[0] != 0) grads.push_back(c.needs_input_grad(2) ? sum(g, {0}) : Tensor());
  return grads;
}

std::string shapes_of(const char* op, const Tensor& a, const Tensor& b) {
  return std::string(op) + ": shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape());
}

// [..., K] -> [rows, K] (x itself when already 2-d): every leading dim folded into the rows.
Tensor rows_2d(const Tensor& x) {
  if (x.dim() == 2) return x;
  const std::int64_t k = x.shape().back();
  return x.reshape({shape_numel(Shape(x.shape().begin(), x.shape().end() - 1)), k});
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  Tensor out = kernels::matmul_raw(a, b, trans_a, trans_b, "mm");
  if (auto* ctx = autograd::track("MatMul", {a, b}, out, mm_backward)) {
    ctx->save_for_backward({a, b});
    ctx->ints = {trans_a, trans_b};
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0)
    throw ShapeError(shapes_of("matmul", a, b) + ": both arguments must be at least 1-d");
  // Checked on the caller's shapes; a 1-d left operand is a row vector, a 1-d right one a column.
  const std::int64_t ka = a.shape().back(), kb = b.dim() == 1 ? b.shape()[0] : b.shape()[b.dim() - 2];
  if (ka != kb)
    throw ShapeError(shapes_of("matmul", a, b) + " are not aligned (" + std::to_string(ka) + " != " +
                     std::to_string(kb) + ")");
  if (a.dim() > 2 && b.dim() > 2) kernels::matmul_shape("matmul", a.shape(), b.shape(), false, false);  // batch dims

  if (b.dim() == 1) {  // [..., M, K] x [K] -> [..., M]; [K] x [K] -> []
    const Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    return mm(rows_2d(a), b.reshape({kb, 1})).reshape(out_shape);
  }
  if (a.dim() == 1) {  // [K] x [..., K, N] -> [..., N]
    Shape out_shape = b.shape();
    out_shape.erase(out_shape.end() - 2);
    return mm(a.reshape({1, ka}), b).reshape(out_shape);
  }
  if (b.dim() == 2 && a.dim() > 2) {  // [..., M, K] x [K, N]: all rows of a in one product
    Shape out_shape = a.shape();
    out_shape.back() = b.shape()[1];
    return mm(rows_2d(a), b).reshape(out_shape);
  }
  return mm(a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  return linear(x, weight, bias, Activation::Identity);
}

namespace {
constexpr autograd::FusedNodeNames kLinearNames{"Linear", "LinearRelu", "LinearTanh", "LinearSigmoid"};
}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Activation act) {
  if (weight.dim() != 2)
    throw ShapeError("linear: weight must be 2-d [out_features, in_features], got shape " + shape_str(weight.shape()));
  const std::int64_t out_features = weight.shape()[0], in_features = weight.shape()[1];
  if (x.dim() == 0 || x.shape().back() != in_features)
    throw ShapeError("linear: input of shape " + shape_str(x.shape()) + " does not match weight of shape " +
                     shape_str(weight.shape()) + " (expected the last input dimension to be in_features = " +
                     std::to_string(in_features) + ")");
  if (bias.defined() && bias.shape() != Shape{out_features})
    throw ShapeError("linear: bias of shape " + shape_str(bias.shape()) + " does not match weight of shape " +
                     shape_str(weight.shape()) + " (expected [" + std::to_string(out_features) + "])");

  const Tensor x2 = rows_2d(x);
  Tensor y = bias.defined() ? kernels::addmm_raw(bias, x2, weight, false, true, "linear")
                            : kernels::matmul_raw(x2, weight, false, true, "linear");
  kernels::activation_inplace(act, y);
  const std::vector<Tensor> inputs =
      bias.defined() ? std::vector<Tensor>{x2, weight, bias} : std::vector<Tensor>{x2, weight};
  if (auto* ctx = autograd::track(autograd::fused_node_name(kLinearNames, act), inputs, y, linear_backward)) {
    ctx->save_for_backward({x2, weight});
    if (act != Activation::Identity) ctx->save_output();
    ctx->ints = {bias.defined(), static_cast<std::int64_t>(act)};
  }
  if (x.dim() == 2) return y;
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  return y.reshape(out_shape);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1 || b.dim() != 1 || a.numel() != b.numel())
    throw ShapeError(shapes_of("dot", a, b) + ": expected two 1-d tensors of the same length");
  return matmul(a, b);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1 || b.dim() != 1) throw ShapeError(shapes_of("outer", a, b) + ": expected two 1-d tensors");
  return mm(a.reshape({a.numel(), 1}), b.reshape({1, b.numel()}));
}

namespace {
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "mm", .shapes = {{-1, -2}, {-2, -3}}, .fn = [](V x) { return mm(x[0], x[1]); }},
    {.name = "mm/trans_b", .shapes = {{-1, -2}, {-3, -2}}, .fn = [](V x) { return mm(x[0], x[1], false, true); }},
    {.name = "mm/trans_a", .shapes = {{-2, -1}, {-2, -3}}, .fn = [](V x) { return mm(x[0], x[1], true, false); }},
    {.name = "mm/trans_ab", .shapes = {{-2, -1}, {-3, -2}}, .fn = [](V x) { return mm(x[0], x[1], true, true); }},
    {.name = "mm/batched", .shapes = {{-4, -1, -2}, {-4, -2, -3}}, .fn = [](V x) { return mm(x[0], x[1]); }},
    {.name = "mm/batched_trans_ab", .shapes = {{-4, -2, -1}, {-4, -3, -2}},
     .fn = [](V x) { return mm(x[0], x[1], true, true); }},
    {.name = "mm/batched_broadcast", .shapes = {{1, -1, -2}, {-4, -2, -3}}, .fn = [](V x) { return mm(x[0], x[1]); }},
    {.name = "mm/matrix_times_batch", .shapes = {{-2, -1}, {-4, -2, -3}},
     .fn = [](V x) { return mm(x[0], x[1], true, false); }},
    {.name = "matmul/dot", .shapes = {{-1}, {-1}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/matrix_vector", .shapes = {{-1, -2}, {-2}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/vector_matrix", .shapes = {{-1}, {-1, -2}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/matrix_matrix", .shapes = {{-1, -2}, {-2, -3}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/batched", .shapes = {{-4, -1, -2}, {-4, -2, -3}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/broadcast_batch", .shapes = {{-4, 1, -1, -2}, {-5, -2, -3}},
     .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/batch_matrix", .shapes = {{-4, -1, -2}, {-2, -3}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/batch_vector", .shapes = {{-4, -1, -2}, {-2}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "matmul/vector_batch", .shapes = {{-2}, {-4, -2, -3}}, .fn = [](V x) { return matmul(x[0], x[1]); }},
    {.name = "linear", .shapes = {{-1, -2}, {-3, -2}, {-3}}, .fn = [](V x) { return linear(x[0], x[1], x[2]); }},
    {.name = "linear/no_bias", .shapes = {{-1, -2}, {-3, -2}}, .fn = [](V x) { return linear(x[0], x[1]); }},
    {.name = "linear/batched_input", .shapes = {{-4, -1, -2}, {-3, -2}, {-3}},
     .fn = [](V x) { return linear(x[0], x[1], x[2]); }},
    {.name = "linear/relu", .shapes = {{-1, -2}, {-3, -2}, {-3}},
     .fn = [](V x) { return linear(x[0], x[1], x[2], Activation::Relu); }},
    {.name = "linear/tanh", .shapes = {{-1, -2}, {-3, -2}, {-3}},
     .fn = [](V x) { return linear(x[0], x[1], x[2], Activation::Tanh); }},
    {.name = "linear/sigmoid_no_bias", .shapes = {{-1, -2}, {-3, -2}},
     .fn = [](V x) { return linear(x[0], x[1], Tensor(), Activation::Sigmoid); }},
    {.name = "dot", .shapes = {{-1}, {-1}}, .fn = [](V x) { return dot(x[0], x[1]); }},
    {.name = "outer", .shapes = {{-1}, {-2}}, .fn = [](V x) { return outer(x[0], x[1]); }},
});
}  // namespace

}  // namespace xg
