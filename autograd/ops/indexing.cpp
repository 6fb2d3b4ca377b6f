// Indexing ops: validate and normalize arguments, run a kernel from core/kernels/indexing, record
// the node. The backward of each op is its adjoint op from this file (slice <-> slice_backward,
// index_select <-> index_add, gather <-> scatter_add, concat -> slices), so every gradient is
// itself differentiable. A step-1 slice that covers one contiguous block of memory (the batch
// slices along axis 0) is a view at an offset of the input's storage rather than a copy.
#include <xgrad/autograd/ops/indexing.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/op_table.hpp>
#include <xgrad/autograd/ops/shape.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/indexing.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <string>

namespace xg {

using autograd::Context;
using kernels::AxisRange;
using Grads = std::vector<Tensor>;

namespace {

std::int64_t axis_of(const Tensor& x, std::int64_t axis, const char* op) {
  if (!x.defined()) throw ValueError(std::string(op) + ": the input tensor is undefined");
  if (x.dim() == 0) throw ShapeError(std::string(op) + ": expected a tensor with at least 1 dimension, got a 0-d tensor");
  return normalize_axis(axis, x.dim(), op);
}

// Python slice rules (start:end:step) on an axis of `size`.
AxisRange python_range(std::int64_t start, std::int64_t end, std::int64_t step, std::int64_t size, const char* op) {
  if (step < 1) throw ValueError(std::string(op) + ": step must be positive, got " + std::to_string(step));
  const auto wrap = [size](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + size : i, 0, size); };
  start = wrap(start);
  end = wrap(end);
  return {start, step, end > start ? (end - start - 1) / step + 1 : 0};
}

std::string index_range(std::int64_t size) {
  return size == 0 ? "the axis is empty" : "expected " + std::to_string(-size) + ".." + std::to_string(size - 1);
}

// Slice nodes keep ints = {axis, start, step, count}.
void save_range(Context* ctx, std::int64_t axis, AxisRange r) { ctx->ints = {axis, r.start, r.step, r.count}; }
AxisRange saved_range(const Context& c) { return {c.ints[1], c.ints[2], c.ints[3]}; }

Tensor slice_range(const Tensor& x, std::int64_t axis, AxisRange r);
Tensor unslice_range(const Tensor& g, const Shape& shape, std::int64_t axis, AxisRange r);

Grads slice_bw(Context& c, const Tensor& g) { return {unslice_range(g, c.input_shape(0), c.ints[0], saved_range(c))}; }
Grads unslice_bw(Context& c, const Tensor& g) { return {slice_range(g, c.ints[0], saved_range(c))}; }

Tensor slice_range(const Tensor& x, std::int64_t axis, AxisRange r) {
  const Shape& shape = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  Tensor out;
  if (r.step == 1 && (outer == 1 || r.count == shape[axis])) {
    // One contiguous block of x: share its storage.
    Shape view_shape = shape;
    view_shape[axis] = r.count;
    const TensorImpl& impl = *x.impl();
    out = Tensor(std::make_shared<TensorImpl>(impl.storage, impl.offset + r.start * inner, view_shape, impl.dtype));
  } else {
    out = kernels::slice(x, axis, r);
  }
  if (auto* ctx = autograd::track("Slice", {x}, out, slice_bw)) save_range(ctx, axis, r);
  return out;
}

Tensor unslice_range(const Tensor& g, const Shape& shape, std::int64_t axis, AxisRange r) {
  Tensor out = kernels::slice_scatter_zeros(g, shape, axis, r);
  if (auto* ctx = autograd::track("SliceBackward", {g}, out, unslice_bw)) save_range(ctx, axis, r);
  return out;
}

// index_select / index_add / gather / scatter_add nodes keep ints = {axis} and saved = {index}.
void save_index(Context* ctx, std::int64_t axis, const Tensor& index) {
  ctx->ints = {axis};
  ctx->save_for_backward({index});
}

Grads index_select_bw(Context& c, const Tensor& g) {
  return {index_add(zeros(c.input_shape(0), {.dtype = c.input_dtype(0)}), c.ints[0], c.saved(0), g)};
}
Grads index_add_bw(Context& c, const Tensor& g) {
  return {g, c.needs_input_grad(1) ? index_select(g, c.ints[0], c.saved(0)) : Tensor()};
}
Grads gather_bw(Context& c, const Tensor& g) {
  return {scatter_add(zeros(c.input_shape(0), {.dtype = c.input_dtype(0)}), c.ints[0], c.saved(0), g)};
}
Grads scatter_add_bw(Context& c, const Tensor& g) {
  return {g, c.needs_input_grad(1) ? gather(g, c.ints[0], c.saved(0)) : Tensor()};
}

// Concat nodes keep ints = {axis, size of input 0 along axis, size of input 1, ...}.
Grads concat_bw(Context& c, const Tensor& g) {
  Grads grads;
  std::int64_t offset = 0;
  for (std::size_t i = 1; i < c.ints.size(); ++i) {
    const std::int64_t size = c.ints[i];
    grads.push_back(c.needs_input_grad(i - 1) ? slice_range(g, c.ints[0], {offset, 1, size}) : Tensor());
    offset += size;
  }
  return grads;
}

Tensor join(const std::vector<Tensor>& tensors, std::int64_t axis, const char* op) {
  Tensor out = kernels::concat(tensors, axis, op);
  if (auto* ctx = autograd::track("Concat", tensors, out, concat_bw)) {
    ctx->ints = {axis};
    for (const Tensor& t : tensors) ctx->ints.push_back(t.shape()[axis]);
  }
  return out;
}

void check_nonempty(const std::vector<Tensor>& tensors, const char* op) {
  if (tensors.empty()) throw ValueError(std::string(op) + ": expected at least one tensor, got an empty list");
}

}  // namespace

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step) {
  const std::int64_t a = axis_of(x, axis, "slice");
  return slice_range(x, a, python_range(start, end, step, x.shape()[a], "slice"));
}

Tensor slice_backward(const Tensor& grad, const Shape& input_shape, std::int64_t axis, std::int64_t start,
                      std::int64_t end, std::int64_t step) {
  if (input_shape.empty()) throw ShapeError("slice_backward: the input shape must have at least 1 dimension, got []");
  const std::int64_t a = normalize_axis(axis, static_cast<std::int64_t>(input_shape.size()), "slice_backward");
  return unslice_range(grad, input_shape, a, python_range(start, end, step, input_shape[a], "slice_backward"));
}

Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
  const std::int64_t a = axis_of(x, axis, "narrow"), size = x.shape()[a];
  if (start < -size || start > size)
    throw IndexError("narrow: start " + std::to_string(start) + " is out of range for axis " + std::to_string(a) +
                     " of size " + std::to_string(size) + " (expected " + std::to_string(-size) + ".." +
                     std::to_string(size) + ")");
  if (start < 0) start += size;
  if (length < 0 || length > size - start)
    throw IndexError("narrow: length " + std::to_string(length) + " from start " + std::to_string(start) +
                     " does not fit axis " + std::to_string(a) + " of size " + std::to_string(size) + " (expected 0.." +
                     std::to_string(size - start) + ")");
  return slice_range(x, a, {start, 1, length});
}

Tensor select(const Tensor& x, std::int64_t axis, std::int64_t index) {
  const std::int64_t a = axis_of(x, axis, "select"), size = x.shape()[a];
  if (index < -size || index >= size)
    throw IndexError("select: index " + std::to_string(index) + " is out of range for axis " + std::to_string(a) +
                     " of size " + std::to_string(size) + " (" + index_range(size) + ")");
  Shape shape = x.shape();
  shape.erase(shape.begin() + a);
  return reshape(slice_range(x, a, {index < 0 ? index + size : index, 1, 1}), shape);
}

Tensor Tensor::operator[](std::int64_t index) const { return select(*this, 0, index); }

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index) {
  const std::int64_t a = axis_of(x, axis, "index_select");
  Tensor out = kernels::index_select(x, a, index, "index_select");
  if (auto* ctx = autograd::track("IndexSelect", {x}, out, index_select_bw)) save_index(ctx, a, index);
  return out;
}

Tensor index_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src) {
  const std::int64_t a = axis_of(self, axis, "index_add");
  Tensor out = kernels::index_add(self, a, index, src, "index_add");
  if (auto* ctx = autograd::track("IndexAdd", {self, src}, out, index_add_bw)) save_index(ctx, a, index);
  return out;
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index) {
  const std::int64_t a = axis_of(x, axis, "gather");
  Tensor out = kernels::gather(x, a, index, "gather");
  if (auto* ctx = autograd::track("Gather", {x}, out, gather_bw)) save_index(ctx, a, index);
  return out;
}

Tensor scatter_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src) {
  const std::int64_t a = axis_of(self, axis, "scatter_add");
  Tensor out = kernels::scatter_add(self, a, index, src, "scatter_add");
  if (auto* ctx = autograd::track("ScatterAdd", {self, src}, out, scatter_add_bw)) save_index(ctx, a, index);
  return out;
}

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis) {
  check_nonempty(tensors, "concat");
  return join(tensors, axis_of(tensors[0], axis, "concat"), "concat");
}

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t axis) { return concat(tensors, axis); }

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t axis) {
  check_nonempty(tensors, "stack");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) throw ValueError("stack: tensor " + std::to_string(i) + " is undefined");
    if (tensors[i].shape() != tensors[0].shape())
      throw ShapeError("stack: tensor " + std::to_string(i) + " has shape " + shape_str(tensors[i].shape()) +
                       " but tensor 0 has shape " + shape_str(tensors[0].shape()) + "; every tensor must have the same shape");
  }
  const std::int64_t a = normalize_axis(axis, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, a));
  return join(parts, a, "stack");
}

std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t axis) {
  const std::int64_t a = axis_of(x, axis, "split"), n = x.shape()[a];
  if (size < 1) throw ValueError("split: size must be positive, got " + std::to_string(size));
  std::vector<Tensor> pieces;
  for (std::int64_t start = 0; start < n || pieces.empty(); start += size)
    pieces.push_back(slice_range(x, a, {start, 1, std::min(size, n - start)}));
  return pieces;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis) {
  const std::int64_t a = axis_of(x, axis, "chunk"), n = x.shape()[a];
  if (chunks < 1) throw ValueError("chunk: chunks must be positive, got " + std::to_string(chunks));
  return split(x, n == 0 ? 1 : (n - 1) / chunks + 1, a);
}

namespace {
using V = const std::vector<Tensor>&;

// An int64 tensor of `shape` whose flat element i is f(i): the fixed indices of the rows below.
template <class F> Tensor index_tensor(const Shape& shape, F f) {
  std::vector<std::int64_t> values(static_cast<std::size_t>(shape_numel(shape)));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = f(static_cast<std::int64_t>(i));
  return from_vector(values, shape);
}

const autograd::OpTableRegistrar rows({
    {.name = "slice/axis0_view", .shapes = {{-1, -2}}, .fn = [](V x) { return slice(x[0], 0, 1, 100); }},
    {.name = "slice/strided_axis1", .shapes = {{-1, 5, -2}}, .fn = [](V x) { return slice(x[0], 1, 0, 5, 2); }},
    {.name = "slice/negative", .shapes = {{-1, 5}}, .fn = [](V x) { return slice(x[0], -1, -4, -1, 2); }},
    {.name = "slice_backward",
     .shapes = {{-1, 2, -2}},
     .fn = [](V x) { return slice_backward(x[0], {x[0].size(0), 5, x[0].size(2)}, 1, 1, 5, 2); }},
    {.name = "narrow", .shapes = {{-1, 4}}, .fn = [](V x) { return narrow(x[0], 1, 1, 2); }},
    {.name = "select", .shapes = {{-1, -2, -3}}, .fn = [](V x) { return select(x[0], 1, -1); }},
    {.name = "select/axis0_view", .shapes = {{-1, -2}}, .fn = [](V x) { return x[0][1]; }},
    {.name = "index_select",
     .shapes = {{-1, -2}},
     .fn = [](V x) {
       const std::int64_t c = x[0].size(1);
       return index_select(x[0], 1, index_tensor({3}, [c](std::int64_t i) { return i == 1 ? 0 : c - 1; }));
     }},
    {.name = "index_select/axis0",
     .shapes = {{-1, -2, -3}},
     .fn = [](V x) {
       const std::int64_t n = x[0].size(0);
       return index_select(x[0], 0, index_tensor({4}, [n](std::int64_t i) { return (i * 3 + 1) % n; }));
     }},
    {.name = "index_add",
     .shapes = {{-1, -2}, {3, -2}},
     .fn = [](V x) {
       const std::int64_t n = x[0].size(0);
       return index_add(x[0], 0, index_tensor({3}, [n](std::int64_t i) { return i == 1 ? n - 1 : 0; }), x[1]);
     }},
    {.name = "gather",
     .shapes = {{-1, -2}},
     .fn = [](V x) {
       const std::int64_t c = x[0].size(1);
       return gather(x[0], 1, index_tensor({x[0].size(0), 1}, [c](std::int64_t i) { return (3 * i + 1) % c; }));
     }},
    {.name = "gather/axis0_smaller_index",
     .shapes = {{-1, -2, -3}},
     .fn = [](V x) {
       const std::int64_t n = x[0].size(0);
       return gather(x[0], 0, index_tensor({3, x[0].size(1), 1}, [n](std::int64_t i) { return (5 * i + 2) % n; }));
     }},
    {.name = "scatter_add",
     .shapes = {{-1, -2}, {-1, 3}},
     .fn = [](V x) {
       const std::int64_t c = x[0].size(1);
       return scatter_add(x[0], 1, index_tensor({x[0].size(0), 3}, [c](std::int64_t i) { return (7 * i) % c; }), x[1]);
     }},
    {.name = "scatter_add/axis0",
     .shapes = {{-1, -2}, {3, -2}},
     .fn = [](V x) {
       const std::int64_t n = x[0].size(0);
       return scatter_add(x[0], 0, index_tensor({3, x[0].size(1)}, [n](std::int64_t i) { return (5 * i + 1) % n; }),
                          x[1]);
     }},
    {.name = "concat", .shapes = {{-1, 2}, {-1, -2}}, .fn = [](V x) { return concat({x[0], x[1]}, 1); }},
    {.name = "concat/axis0", .shapes = {{2, -1}, {-2, -1}, {1, -1}}, .fn = [](V x) { return cat({x[0], x[1], x[2]}); }},
    {.name = "stack", .shapes = {{-1, -2}, {-1, -2}}, .fn = [](V x) { return stack({x[0], x[1]}, 1); }},
    {.name = "split",
     .shapes = {{-1, 5}},
     .fn = [](V x) {
       const auto pieces = split(x[0], 2, 1);  // sizes 2, 2, 1
       return concat({pieces[2], pieces[0], pieces[1]}, 1);
     }},
    {.name = "chunk", .shapes = {{-1, 5, -2}}, .fn = [](V x) { return chunk(x[0], 2, 1)[1]; }},
});
}  // namespace

}  // namespace xg
