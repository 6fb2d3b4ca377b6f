// Arithmetic ops: forward on the elementwise kernels, backward in differentiable ops.
#include <xgrad/autograd/ops/arithmetic.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/unary.hpp>
#include <xgrad/core/kernels/elementwise.hpp>

#include <cmath>

namespace xg {

using autograd::Context;
using kernels::BinaryOp;
using Grads = std::vector<Tensor>;

namespace {
Grads add_backward(Context&, const Tensor& g) { return {g, g}; }
Grads sub_backward(Context& c, const Tensor& g) { return {g, c.needs_input_grad(1) ? -g : Tensor()}; }
Grads mul_backward(Context& c, const Tensor& g) {
  const Tensor a = c.saved(0);
  const Tensor b = c.saved(1);
  return {c.needs_input_grad(0) ? g * b : Tensor(), c.needs_input_grad(1) ? g * a : Tensor()};
}
Grads div_backward(Context& c, const Tensor& g) {
  const Tensor a = c.saved(0);
  const Tensor b = c.saved(1);
  return {c.needs_input_grad(0) ? g / b : Tensor(), c.needs_input_grad(1) ? -g * a / (b * b) : Tensor()};
}
Grads neg_backward(Context&, const Tensor& g) { return {-g}; }
Grads pow_backward(Context& c, const Tensor& g) {
  const Tensor a = c.saved(0);
  const Tensor b = c.saved(1);
  return {c.needs_input_grad(0) ? g * b * pow(a, b - 1.0) : Tensor(),
          c.needs_input_grad(1) ? g * c.output() * log(a) : Tensor()};
}
Grads pow_scalar_backward(Context& c, const Tensor& g) {
  const double p = c.reals[0];
  return {g * (p * pow(c.saved(0), p - 1.0))};
}
Grads scalar_pow_backward(Context& c, const Tensor& g) { return {g * c.output() * std::log(c.reals[0])}; }
Grads add_scalar_backward(Context&, const Tensor& g) { return {g}; }
Grads mul_scalar_backward(Context& c, const Tensor& g) { return {g * c.reals[0]}; }
Grads rsub_backward(Context&, const Tensor& g) { return {-g}; }
Grads rdiv_backward(Context& c, const Tensor& g) {
  const Tensor a = c.saved(0);
  return {g * (-c.reals[0]) / (a * a)};
}

Tensor binary_op(const char* name, BinaryOp op, const Tensor& a, const Tensor& b, autograd::BackwardFn bw,
                 bool save_inputs) {
  Tensor out = kernels::binary(op, a, b);
  if (auto* ctx = autograd::track(name, {a, b}, out, bw))
    if (save_inputs) ctx->save_for_backward({a, b});
  return out;
}

Tensor scalar_op(const char* name, BinaryOp op, const Tensor& a, double s, bool scalar_first, autograd::BackwardFn bw,
                 bool save_input) {
  Tensor out = kernels::binary_scalar(op, a, s, scalar_first);
  if (auto* ctx = autograd::track(name, {a}, out, bw)) {
    ctx->reals = {s};
    if (save_input) ctx->save_for_backward({a});
  }
  return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary_op("Add", BinaryOp::Add, a, b, add_backward, false); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op("Sub", BinaryOp::Sub, a, b, sub_backward, false); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op("Mul", BinaryOp::Mul, a, b, mul_backward, true); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op("Div", BinaryOp::Div, a, b, div_backward, true); }

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary(BinaryOp::Pow, a, b);
  if (auto* ctx = autograd::track("Pow", {a, b}, out, pow_backward)) {
    ctx->save_for_backward({a, b});
    ctx->save_output();
  }
  return out;
}

Tensor neg(const Tensor& a) {
  Tensor out = kernels::unary(kernels::UnaryOp::Neg, a);
  autograd::track("Neg", {a}, out, neg_backward);
  return out;
}

Tensor pow(const Tensor& a, double p) { return scalar_op("PowScalar", BinaryOp::Pow, a, p, false, pow_scalar_backward, true); }
Tensor pow(double s, const Tensor& a) {
  Tensor out = kernels::binary_scalar(BinaryOp::Pow, a, s, true);
  if (auto* ctx = autograd::track("ScalarPow", {a}, out, scalar_pow_backward)) {
    ctx->reals = {s};
    ctx->save_output();
  }
  return out;
}
Tensor add(const Tensor& a, double s) { return scalar_op("AddScalar", BinaryOp::Add, a, s, false, add_scalar_backward, false); }
Tensor mul(const Tensor& a, double s) { return scalar_op("MulScalar", BinaryOp::Mul, a, s, false, mul_scalar_backward, false); }
Tensor rsub(double s, const Tensor& a) { return scalar_op("RSub", BinaryOp::Sub, a, s, true, rsub_backward, false); }
Tensor rdiv(double s, const Tensor& a) { return scalar_op("RDiv", BinaryOp::Div, a, s, true, rdiv_backward, true); }

namespace {
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "add", .shapes = {{-1, -2}, {-1, -2}}, .fn = [](V x) { return x[0] + x[1]; }},
    {.name = "add/broadcast_row", .shapes = {{-1, -2}, {-2}}, .fn = [](V x) { return x[0] + x[1]; }},
    {.name = "add/broadcast_outer", .shapes = {{-1, 1}, {1, -2}}, .fn = [](V x) { return x[0] + x[1]; }},
    {.name = "add/scalar_tensor", .shapes = {{-1, -2}, {}}, .fn = [](V x) { return x[0] + x[1]; }},
    {.name = "sub", .shapes = {{-1, -2}, {-2}}, .fn = [](V x) { return x[0] - x[1]; }},
    {.name = "mul", .shapes = {{-1, -2}, {-1, -2}}, .fn = [](V x) { return x[0] * x[1]; }},
    {.name = "mul/broadcast", .shapes = {{-1, -2, -3}, {-2, 1}}, .fn = [](V x) { return x[0] * x[1]; }},
    {.name = "div", .shapes = {{-1, -2}, {-1, -2}}, .domain = autograd::Domain::AwayFromZero,
     .fn = [](V x) { return x[0] / x[1]; }},
    {.name = "div/broadcast", .shapes = {{-1, -2}, {-1, 1}}, .domain = autograd::Domain::AwayFromZero,
     .fn = [](V x) { return x[0] / x[1]; }},
    {.name = "neg", .shapes = {{-1, -2}}, .fn = [](V x) { return -x[0]; }},
    {.name = "pow", .shapes = {{-1, -2}, {-1, -2}}, .domain = autograd::Domain::Positive,
     .fn = [](V x) { return pow(x[0], x[1]); }},
    {.name = "pow_scalar", .shapes = {{-1, -2}}, .domain = autograd::Domain::Positive,
     .fn = [](V x) { return pow(x[0], 2.5); }},
    {.name = "pow_scalar/integer", .shapes = {{-1}}, .fn = [](V x) { return pow(x[0], 3.0); }},
    {.name = "scalar_pow", .shapes = {{-1, -2}}, .fn = [](V x) { return pow(1.7, x[0]); }},
    {.name = "add_scalar", .shapes = {{-1}}, .fn = [](V x) { return x[0] + 3.0; }},
    {.name = "mul_scalar", .shapes = {{-1, -2}}, .fn = [](V x) { return x[0] * -1.5; }},
    {.name = "rsub", .shapes = {{-1}}, .fn = [](V x) { return 2.0 - x[0]; }},
    {.name = "rdiv", .shapes = {{-1, -2}}, .domain = autograd::Domain::AwayFromZero,
     .fn = [](V x) { return 2.0 / x[0]; }},
});
}  // namespace

}  // namespace xg
