// Reductions and the expand/sum_to pair.
#include <xgrad/autograd/ops/reduction.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/compare.hpp>
#include <xgrad/autograd/ops/unary.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/elementwise.hpp>
#include <xgrad/core/kernels/reduce.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <cmath>
#include <limits>

namespace xg {

using autograd::Context;
using kernels::ReduceOp;
using Grads = std::vector<Tensor>;

namespace {

// Stores the normalized axes in ctx.ints so backward can rebuild the keepdims shape.
Shape keepdims_shape(const Context& c) { return kernels::reduced_shape(c.input_shape(0), c.ints, true); }

// The gradient of a reduction, broadcast back over the reduced axes.
Tensor expand_back(const Context& c, const Tensor& g) { return expand(g.reshape(keepdims_shape(c)), c.input_shape(0)); }

std::int64_t reduced_count(const Shape& shape, const Axes& axes) {
  std::int64_t n = 1;
  for (auto a : axes) n *= shape[a];
  return n;
}

Grads sum_backward(Context& c, const Tensor& g) { return {expand_back(c, g)}; }
Grads mean_backward(Context& c, const Tensor& g) {
  return {expand_back(c, g) * (1.0 / static_cast<double>(reduced_count(c.input_shape(0), c.ints)))};
}
Grads extremum_backward(Context& c, const Tensor& g) {
  const Tensor x = c.saved(0);
  const Tensor mask = eq(x, expand(c.output().detach().reshape(keepdims_shape(c)), x.shape()));
  const Tensor count = sum(mask, c.ints, true);
  return {mask * expand_back(c, g) / expand(count, x.shape())};
}
Grads expand_backward(Context& c, const Tensor& g) { return {sum_to(g, c.input_shape(0))}; }
Grads sum_to_backward(Context& c, const Tensor& g) { return {expand(g, c.input_shape(0))}; }

Tensor reduce_op(const char* name, ReduceOp op, const Tensor& x, const Axes& axes_in, bool keepdims,
                 autograd::BackwardFn bw, bool save) {
  const Axes axes = normalize_axes(axes_in, x.dim(), name);
  Tensor out = kernels::reduce(op, x, axes, keepdims);
  if (auto* ctx = autograd::track(name, {x}, out, bw)) {
    ctx->ints = axes;
    if (save) {
      ctx->save_for_backward({x});
      ctx->save_output();
    }
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce_op("Sum", ReduceOp::Sum, x, axes, keepdims, sum_backward, false);
}

Tensor mean(const Tensor& x, const Axes& axes_in, bool keepdims) {
  const Axes axes = normalize_axes(axes_in, x.dim(), "mean");
  if (!is_floating(x.dtype())) return mean(x.to(Dtype::Float32), axes, keepdims);
  Tensor out = kernels::reduce(ReduceOp::Sum, x, axes, keepdims);
  const std::int64_t n = reduced_count(x.shape(), axes);
  out = kernels::binary_scalar(kernels::BinaryOp::Mul, out, n == 0 ? std::nan("") : 1.0 / static_cast<double>(n));
  if (auto* ctx = autograd::track("Mean", {x}, out, mean_backward)) ctx->ints = axes;
  return out;
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce_op("Max", ReduceOp::Max, x, axes, keepdims, extremum_backward, true);
}
Tensor min(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce_op("Min", ReduceOp::Min, x, axes, keepdims, extremum_backward, true);
}

Tensor var(const Tensor& x, const Axes& axes_in, bool keepdims, std::int64_t correction) {
  const Axes axes = normalize_axes(axes_in, x.dim(), "var");
  const std::int64_t n = reduced_count(x.shape(), axes);
  const Tensor centered = x - mean(x, axes, true);
  return sum(square(centered), axes, keepdims) * (1.0 / static_cast<double>(std::max<std::int64_t>(n - correction, 0)));
}

namespace {
Tensor arg_op(ReduceOp op, const char* name, const Tensor& x, std::optional<std::int64_t> axis, bool keepdims) {
  if (!axis) return kernels::arg_reduce(op, x.reshape({x.numel()}), 0, false);
  return kernels::arg_reduce(op, x, normalize_axis(*axis, x.dim(), name), keepdims);
}
}  // namespace

Tensor argmax(const Tensor& x, std::optional<std::int64_t> axis, bool keepdims) {
  return arg_op(ReduceOp::Max, "argmax", x, axis, keepdims);
}
Tensor argmin(const Tensor& x, std::optional<std::int64_t> axis, bool keepdims) {
  return arg_op(ReduceOp::Min, "argmin", x, axis, keepdims);
}

Tensor logsumexp(const Tensor& x, const Axes& axes_in, bool keepdims) {
  const Axes axes = normalize_axes(axes_in, x.dim(), "logsumexp");
  // m is a constant shift (detached): the result does not depend on it mathematically.
  Tensor m = kernels::reduce(ReduceOp::Max, x.detach(), axes, true);
  m = kernels::where(kernels::binary_scalar(kernels::BinaryOp::Eq, kernels::unary(kernels::UnaryOp::Abs, m),
                                            std::numeric_limits<double>::infinity()),
                     zeros_like(m), m);
  Tensor out = log(sum(exp(x - m), axes, true)) + m;
  return keepdims ? out : out.reshape(kernels::reduced_shape(x.shape(), axes, false));
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  Tensor out = kernels::broadcast_to(x, shape);
  autograd::track("Expand", {x}, out, expand_backward);
  return out;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const Shape& from = x.shape();
  if (broadcast_shapes(shape, from, "sum_to") != from)
    throw ShapeError("sum_to: shape " + shape_str(from) + " is not a broadcast of " + shape_str(shape));
  const std::int64_t lead = static_cast<std::int64_t>(from.size() - shape.size());
  Axes axes;
  for (std::int64_t d = 0; d < static_cast<std::int64_t>(from.size()); ++d)
    if (d < lead || (shape[d - lead] == 1 && from[d] != 1)) axes.push_back(d);
  Tensor out = kernels::reduce(ReduceOp::Sum, x, axes, true);
  out = alias_with_shape(out, shape);
  autograd::track("SumTo", {x}, out, sum_to_backward);
  return out;
}

namespace {
using autograd::Domain;
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "sum", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return sum(x[0]); }},
    {.name = "sum/axis", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return sum(x[0], {1}); }},
    {.name = "sum/axes_keepdims", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return sum(x[0], {0, 2}, true); }},
    {.name = "mean", .shapes = {{-1, -2}}, .fn = [](V x) { return mean(x[0], {-1}); }},
    {.name = "mean/all", .shapes = {{-1, -2}}, .fn = [](V x) { return mean(x[0]); }},
    {.name = "max", .shapes = {{-1, -2}}, .domain = Domain::Distinct, .fn = [](V x) { return max(x[0], {1}); }},
    {.name = "max/all", .shapes = {{-1, -2}}, .domain = Domain::Distinct, .fn = [](V x) { return max(x[0]); }},
    {.name = "min", .shapes = {{-1, -2}}, .domain = Domain::Distinct, .fn = [](V x) { return min(x[0], {0}, true); }},
    {.name = "var", .shapes = {{-1, -2}}, .fn = [](V x) { return var(x[0], {1}); }},
    {.name = "var/population", .shapes = {{-1, -2}}, .fn = [](V x) { return var(x[0], {}, false, 0); }},
    {.name = "logsumexp", .shapes = {{-1, -2}}, .fn = [](V x) { return logsumexp(x[0], {1}); }},
    {.name = "expand", .shapes = {{-1, 1}}, .fn = [](V x) { return expand(x[0], {3, x[0].size(0), 4}); }},
    {.name = "sum_to", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return sum_to(x[0], {x[0].size(1), 1}); }},
});
}  // namespace

}  // namespace xg
