#include <xgrad/autograd/ops/copy.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/core/kernels/elementwise.hpp>

namespace xg {

using autograd::Context;
using Grads = std::vector<Tensor>;

namespace {
Grads to_backward(Context& c, const Tensor& g) { return {to_dtype(g, c.input_dtype(0))}; }
Grads clone_backward(Context&, const Tensor& g) { return {g}; }
}  // namespace

Tensor to_dtype(const Tensor& x, Dtype dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = kernels::cast(x, dtype);
  if (is_floating(dtype)) autograd::track("ToDtype", {x}, out, to_backward);
  return out;
}

Tensor clone(const Tensor& x) {
  Tensor out = kernels::cast(x, x.dtype());
  autograd::track("Clone", {x}, out, clone_backward);
  return out;
}

Tensor Tensor::to(Dtype dtype) const { return to_dtype(*this, dtype); }
Tensor Tensor::clone() const { return xg::clone(*this); }

namespace {
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "clone", .shapes = {{-1, -2}}, .fn = [](V x) { return clone(x[0]); }},
});
}  // namespace

}  // namespace xg
