// Shape ops and the matching Tensor member shorthands.
#include <xgrad/autograd/ops/shape.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/layout.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <numeric>

namespace xg {

using autograd::Context;
using Grads = std::vector<Tensor>;

namespace {

Shape infer_shape(const Shape& requested, std::int64_t numel, const Shape& from) {
  Shape shape = requested;
  std::int64_t known = 1, infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0) throw ShapeError("reshape: only one dimension can be -1, got " + shape_str(requested));
      infer_at = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError("reshape: invalid dimension " + std::to_string(shape[i]) + " in " + shape_str(requested));
    } else {
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    if (known == 0 || numel % known != 0)
      throw ShapeError("reshape: cannot reshape a tensor of shape " + shape_str(from) + " (" + std::to_string(numel) +
                       " elements) into " + shape_str(requested));
    shape[infer_at] = numel / known;
  } else if (known != numel) {
    throw ShapeError("reshape: cannot reshape a tensor of shape " + shape_str(from) + " (" + std::to_string(numel) +
                     " elements) into " + shape_str(requested) + " (" + std::to_string(known) + " elements)");
  }
  return shape;
}

Grads reshape_backward(Context& c, const Tensor& g) { return {reshape(g, c.input_shape(0))}; }
Grads permute_backward(Context& c, const Tensor& g) {
  std::vector<std::int64_t> inverse(c.ints.size());
  for (std::size_t d = 0; d < c.ints.size(); ++d) inverse[c.ints[d]] = static_cast<std::int64_t>(d);
  return {permute(g, inverse)};
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  const Shape target = infer_shape(shape, x.numel(), x.shape());
  Tensor out = alias_with_shape(x, target);
  autograd::track("Reshape", {x}, out, reshape_backward);
  return out;
}

Tensor view(const Tensor& x, const Shape& shape) { return reshape(x, shape); }

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  const std::int64_t s = normalize_axis(start_dim, x.dim(), "flatten"), e = normalize_axis(end_dim, x.dim(), "flatten");
  if (s > e) throw ValueError("flatten: start_dim " + std::to_string(start_dim) + " is after end_dim " + std::to_string(end_dim));
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  std::int64_t merged = 1;
  for (std::int64_t d = s; d <= e; ++d) merged *= x.shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, const std::vector<std::int64_t>& axes_in) {
  Shape shape;
  if (axes_in.empty()) {
    for (auto d : x.shape())
      if (d != 1) shape.push_back(d);
  } else {
    const auto axes = normalize_axes(axes_in, x.dim(), "squeeze");
    for (std::int64_t d = 0; d < x.dim(); ++d) {
      const bool drop = std::find(axes.begin(), axes.end(), d) != axes.end();
      if (drop && x.shape()[d] != 1)
        throw ShapeError("squeeze: axis " + std::to_string(d) + " of shape " + shape_str(x.shape()) + " has size " +
                         std::to_string(x.shape()[d]) + ", expected 1");
      if (!drop) shape.push_back(x.shape()[d]);
    }
  }
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
  const std::int64_t a = normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order_in) {
  if (static_cast<std::int64_t>(order_in.size()) != x.dim())
    throw ShapeError("permute: order has " + std::to_string(order_in.size()) + " axes for a tensor of shape " +
                     shape_str(x.shape()));
  std::vector<std::int64_t> order;
  for (auto a : order_in) order.push_back(normalize_axis(a, x.dim(), "permute"));
  std::vector<std::int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<std::int64_t>(i)) {
      std::string given;
      for (auto a : order_in) given += (given.empty() ? "" : ", ") + std::to_string(a);
      throw ValueError("permute: order [" + given + "] is not a permutation of the axes of a tensor of shape " +
                       shape_str(x.shape()) + " (expected each of 0.." + std::to_string(x.dim() - 1) + " once)");
    }
  if (std::is_sorted(order.begin(), order.end())) return reshape(x, x.shape());
  Tensor out = kernels::permute(x, order);
  if (auto* ctx = autograd::track("Permute", {x}, out, permute_backward)) ctx->ints = order;
  return out;
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(x.dim()));
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(dim0, x.dim(), "transpose")], order[normalize_axis(dim1, x.dim(), "transpose")]);
  return permute(x, order);
}

// ---- Tensor member shorthands -------------------------------------------------------------------
Tensor Tensor::sum(const std::vector<std::int64_t>& axes, bool keepdims) const { return xg::sum(*this, axes, keepdims); }
Tensor Tensor::mean(const std::vector<std::int64_t>& axes, bool keepdims) const { return xg::mean(*this, axes, keepdims); }
Tensor Tensor::max(const std::vector<std::int64_t>& axes, bool keepdims) const { return xg::max(*this, axes, keepdims); }
Tensor Tensor::min(const std::vector<std::int64_t>& axes, bool keepdims) const { return xg::min(*this, axes, keepdims); }
Tensor Tensor::reshape(const Shape& shape) const { return xg::reshape(*this, shape); }
Tensor Tensor::view(const Shape& shape) const { return xg::view(*this, shape); }
Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const { return xg::flatten(*this, start_dim, end_dim); }
Tensor Tensor::squeeze(const std::vector<std::int64_t>& axes) const { return xg::squeeze(*this, axes); }
Tensor Tensor::unsqueeze(std::int64_t axis) const { return xg::unsqueeze(*this, axis); }
Tensor Tensor::t() const {
  if (dim() != 2) throw ShapeError("t(): expected a 2-d tensor, got shape " + shape_str(shape()));
  return xg::transpose(*this, 0, 1);
}
Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const { return xg::transpose(*this, dim0, dim1); }
Tensor Tensor::permute(const std::vector<std::int64_t>& order) const { return xg::permute(*this, order); }

namespace {
using V = const std::vector<Tensor>&;
const autograd::OpTableRegistrar rows({
    {.name = "reshape", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return reshape(x[0], {x[0].size(0), -1}); }},
    {.name = "flatten", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return flatten(x[0], 1); }},
    {.name = "squeeze", .shapes = {{-1, 1, -2}}, .fn = [](V x) { return squeeze(x[0]); }},
    {.name = "unsqueeze", .shapes = {{-1, -2}}, .fn = [](V x) { return unsqueeze(x[0], 1); }},
    {.name = "permute", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return permute(x[0], {2, 0, 1}); }},
    {.name = "transpose", .shapes = {{-1, -2}}, .fn = [](V x) { return transpose(x[0], 0, 1); }},
    {.name = "transpose/batched", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return x[0].transpose(-1, -2); }},
});
}  // namespace

}  // namespace xg
