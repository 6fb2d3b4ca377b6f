// Elementwise functions: forward on kernels::unary, backward in differentiable ops.
#include <xgrad/autograd/ops/unary.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/ops/activation_grad.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/compare.hpp>
#include <xgrad/core/kernels/elementwise.hpp>

#include <cmath>
#include <numbers>

namespace xg {

using autograd::Context;
using kernels::UnaryOp;
using Grads = std::vector<Tensor>;

namespace {

enum class Save { Nothing, Input, Output };

Tensor unary_op(const char* name, UnaryOp op, const Tensor& x, autograd::BackwardFn bw, Save save) {
  Tensor out = kernels::unary(op, x);
  if (auto* ctx = autograd::track(name, {x}, out, bw)) {
    if (save == Save::Input) ctx->save_for_backward({x});
    if (save == Save::Output) ctx->save_output();
  }
  return out;
}

Tensor in(Context& c) { return c.saved(0); }

}  // namespace

Tensor exp(const Tensor& x) {
  return unary_op("Exp", UnaryOp::Exp, x, [](Context& c, const Tensor& g) -> Grads { return {g * c.output()}; },
                  Save::Output);
}
Tensor log(const Tensor& x) {
  return unary_op("Log", UnaryOp::Log, x, [](Context& c, const Tensor& g) -> Grads { return {g / in(c)}; }, Save::Input);
}
Tensor sqrt(const Tensor& x) {
  return unary_op("Sqrt", UnaryOp::Sqrt, x,
                  [](Context& c, const Tensor& g) -> Grads { return {g / (2.0 * c.output())}; }, Save::Output);
}
Tensor rsqrt(const Tensor& x) {
  return unary_op("Rsqrt", UnaryOp::Rsqrt, x,
                  [](Context& c, const Tensor& g) -> Grads { return {g * -0.5 * pow(c.output(), 3.0)}; },
                  Save::Output);
}
Tensor abs(const Tensor& x) {
  return unary_op("Abs", UnaryOp::Abs, x, [](Context& c, const Tensor& g) -> Grads { return {g * sign(in(c))}; },
                  Save::Input);
}
Tensor sign(const Tensor& x) {
  return unary_op("Sign", UnaryOp::Sign, x, [](Context& c, const Tensor& g) -> Grads { return {g * 0.0}; },
                  Save::Nothing);
}
Tensor square(const Tensor& x) {
  return unary_op("Square", UnaryOp::Square, x,
                  [](Context& c, const Tensor& g) -> Grads { return {g * (2.0 * in(c))}; }, Save::Input);
}
Tensor reciprocal(const Tensor& x) {
  return unary_op("Reciprocal", UnaryOp::Reciprocal, x,
                  [](Context& c, const Tensor& g) -> Grads { return {-g * square(c.output())}; }, Save::Output);
}
Tensor tanh(const Tensor& x) {
  return unary_op("Tanh", UnaryOp::Tanh, x,
                  [](Context& c, const Tensor& g) -> Grads {
                    return {autograd::activation_grad(Activation::Tanh, g, c.output())};
                  },
                  Save::Output);
}
Tensor sigmoid(const Tensor& x) {
  return unary_op("Sigmoid", UnaryOp::Sigmoid, x,
                  [](Context& c, const Tensor& g) -> Grads {
                    return {autograd::activation_grad(Activation::Sigmoid, g, c.output())};
                  },
                  Save::Output);
}
Tensor relu(const Tensor& x) {
  return unary_op("Relu", UnaryOp::Relu, x,
                  [](Context& c, const Tensor& g) -> Grads {
                    return {autograd::activation_grad(Activation::Relu, g, c.output())};
                  },
                  Save::Output);
}
Tensor sin(const Tensor& x) {
  return unary_op("Sin", UnaryOp::Sin, x, [](Context& c, const Tensor& g) -> Grads { return {g * cos(in(c))}; },
                  Save::Input);
}
Tensor cos(const Tensor& x) {
  return unary_op("Cos", UnaryOp::Cos, x, [](Context& c, const Tensor& g) -> Grads { return {-g * sin(in(c))}; },
                  Save::Input);
}
Tensor log1p(const Tensor& x) {
  return unary_op("Log1p", UnaryOp::Log1p, x,
                  [](Context& c, const Tensor& g) -> Grads { return {g / (in(c) + 1.0)}; }, Save::Input);
}
Tensor expm1(const Tensor& x) {
  return unary_op("Expm1", UnaryOp::Expm1, x,
                  [](Context& c, const Tensor& g) -> Grads { return {g * (c.output() + 1.0)}; }, Save::Output);
}
Tensor erf(const Tensor& x) {
  return unary_op("Erf", UnaryOp::Erf, x,
                  [](Context& c, const Tensor& g) -> Grads {
                    return {g * (2.0 / std::sqrt(std::numbers::pi)) * exp(-square(in(c)))};
                  },
                  Save::Input);
}

namespace {
using autograd::Domain;
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "exp", .shapes = {{-1, -2}}, .fn = [](V x) { return exp(x[0]); }},
    {.name = "log", .shapes = {{-1, -2}}, .domain = Domain::Positive, .fn = [](V x) { return log(x[0]); }},
    {.name = "sqrt", .shapes = {{-1, -2}}, .domain = Domain::Positive, .fn = [](V x) { return sqrt(x[0]); }},
    {.name = "rsqrt", .shapes = {{-1}}, .domain = Domain::Positive, .fn = [](V x) { return rsqrt(x[0]); }},
    {.name = "abs", .shapes = {{-1, -2}}, .domain = Domain::AwayFromZero, .fn = [](V x) { return abs(x[0]); }},
    {.name = "sign", .shapes = {{-1}}, .domain = Domain::AwayFromZero, .fn = [](V x) { return sign(x[0]) * x[0]; }},
    {.name = "square", .shapes = {{-1, -2}}, .fn = [](V x) { return square(x[0]); }},
    {.name = "reciprocal", .shapes = {{-1}}, .domain = Domain::AwayFromZero, .fn = [](V x) { return reciprocal(x[0]); }},
    {.name = "tanh", .shapes = {{-1, -2}}, .fn = [](V x) { return tanh(x[0]); }},
    {.name = "sigmoid", .shapes = {{-1, -2}}, .fn = [](V x) { return sigmoid(x[0]); }},
    {.name = "relu", .shapes = {{-1, -2}}, .domain = Domain::AwayFromZero, .fn = [](V x) { return relu(x[0]); }},
    {.name = "sin", .shapes = {{-1, -2}}, .fn = [](V x) { return sin(x[0]); }},
    {.name = "cos", .shapes = {{-1, -2}}, .fn = [](V x) { return cos(x[0]); }},
    {.name = "log1p", .shapes = {{-1}}, .domain = Domain::Positive, .fn = [](V x) { return log1p(x[0]); }},
    {.name = "expm1", .shapes = {{-1}}, .fn = [](V x) { return expm1(x[0]); }},
    {.name = "erf", .shapes = {{-1, -2}}, .fn = [](V x) { return erf(x[0]); }},
});
}  // namespace

}  // namespace xg
