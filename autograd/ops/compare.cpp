// Comparisons, where, clamp, maximum/minimum.
#include <xgrad/autograd/ops/compare.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/kernels/elementwise.hpp>

#include <limits>

namespace xg {

using autograd::Context;
using kernels::BinaryOp;
using Grads = std::vector<Tensor>;

#define XG_COMPARE(NAME, OP)                                                                        \
  Tensor NAME(const Tensor& a, const Tensor& b) { return kernels::binary(BinaryOp::OP, a, b); }     \
  Tensor NAME(const Tensor& a, double s) { return kernels::binary_scalar(BinaryOp::OP, a, s); }
XG_COMPARE(lt, Lt)
XG_COMPARE(le, Le)
XG_COMPARE(gt, Gt)
XG_COMPARE(ge, Ge)
XG_COMPARE(eq, Eq)
XG_COMPARE(ne, Ne)
#undef XG_COMPARE

namespace {
Grads where_backward(Context& c, const Tensor& g) {
  const Tensor cond = c.saved(0);
  const Tensor zero = zeros({}, {.dtype = g.dtype()});
  return {Tensor(), c.needs_input_grad(1) ? where(cond, g, zero) : Tensor(),
          c.needs_input_grad(2) ? where(cond, zero, g) : Tensor()};
}
Grads clamp_backward(Context& c, const Tensor& g) {
  const Tensor x = c.saved(0);
  return {g * (ge(x, c.reals[0]) * le(x, c.reals[1]))};
}
// The mask (1 where the gradient goes to a) is saved; it carries no gradient itself.
Grads select_backward(Context& c, const Tensor& g) {
  const Tensor mask = c.saved(0);
  return {c.needs_input_grad(0) ? g * mask : Tensor(), c.needs_input_grad(1) ? g * (1.0 - mask) : Tensor()};
}

Tensor select_op(const char* name, BinaryOp op, BinaryOp mask_op, const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary(op, a, b);
  if (auto* ctx = autograd::track(name, {a, b}, out, select_backward))
    ctx->save_for_backward({kernels::binary(mask_op, a, b)});
  return out;
}
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor out = kernels::where(cond, a, b);
  if (auto* ctx = autograd::track("Where", {Tensor(), a, b}, out, where_backward)) ctx->save_for_backward({cond.detach()});
  return out;
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  Tensor out = kernels::clamp(x, lo, hi);
  if (auto* ctx = autograd::track("Clamp", {x}, out, clamp_backward)) {
    ctx->reals = {lo, hi};
    ctx->save_for_backward({x.detach()});
  }
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) { return select_op("Maximum", BinaryOp::Maximum, BinaryOp::Gt, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return select_op("Minimum", BinaryOp::Minimum, BinaryOp::Lt, a, b); }

namespace {
using autograd::Domain;
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "where", .shapes = {{-1, -2}, {-2}}, .fn = [](V x) { return where(gt(x[0], 0.0), x[0], x[1]); }},
    {.name = "clamp", .shapes = {{-1, -2}}, .domain = Domain::Distinct, .fn = [](V x) { return clamp(x[0], -0.5, 0.52); }},
    {.name = "maximum", .shapes = {{-1, -2}, {-1, -2}}, .domain = Domain::Distinct,
     .fn = [](V x) { return maximum(x[0], x[1]); }},
    {.name = "maximum/broadcast", .shapes = {{-1, -2}, {-2}}, .domain = Domain::Distinct,
     .fn = [](V x) { return maximum(x[0], x[1]); }},
    {.name = "minimum", .shapes = {{-1, -2}, {-1, -2}}, .domain = Domain::Distinct,
     .fn = [](V x) { return minimum(x[0], x[1]); }},
});
}  // namespace

}  // namespace xg
