// Indexing kernels. Two loop shapes serve them all:
//  - copy_runs: copies runs of `run` contiguous elements, run (o, i) of outer row o going from
//    src + from(o, i) to dst + to(o, i); slice, its adjoint, concat and index_select are this with
//    different offsets. Runs are independent, so any split over threads gives the same result.
//  - for_each_region: walks (outer row, block of inner columns) regions; index_add, gather and
//    scatter_add handle every index position of one region in order. Regions own disjoint parts
//    of the output, which makes the accumulating kernels deterministic at any thread count.
#include <xgrad/core/kernels/indexing.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/elementwise.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <string>

namespace xg::kernels {
namespace {

constexpr std::int64_t kGrain = 32768;      // elements per parallel task, at least
constexpr std::int64_t kInnerBlock = 1024;  // inner columns per region

// A shape seen around `axis` as [outer, size, inner].
struct AxisSplit {
  std::int64_t outer = 1, size = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, std::int64_t axis) {
  AxisSplit s;
  for (std::int64_t d = 0; d < axis; ++d) s.outer *= shape[d];
  s.size = shape[axis];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

Shape with_size(Shape shape, std::int64_t axis, std::int64_t size) {
  shape[axis] = size;
  return shape;
}

// Copies outer * per runs of `run` elements: run (o, i) goes from src + from(o, i) to dst + to(o, i).
template <class T, class From, class To>
void copy_runs(const T* src, T* dst, std::int64_t outer, std::int64_t per, std::int64_t run, From from, To to) {
  if (run == 0 || per == 0) return;
  parallel_for(0, outer * per, std::max<std::int64_t>(1, kGrain / run), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t o = b / per, i = b % per, left = e - b; left > 0; ++o, i = 0) {
      const std::int64_t stop = std::min(per, i + left);  // the runs of row o in this chunk
      left -= stop - i;
      if (run == 1)
        for (; i < stop; ++i) dst[to(o, i)] = src[from(o, i)];
      else
        for (; i < stop; ++i) std::copy_n(src + from(o, i), run, dst + to(o, i));
    }
  });
}

// Calls fn(o, k0, k1) once for every outer row o and block [k0, k1) of inner columns.
template <class F> void for_each_region(std::int64_t outer, std::int64_t inner, std::int64_t rows_per_region, F&& fn) {
  const std::int64_t blocks = (inner + kInnerBlock - 1) / kInnerBlock;
  const std::int64_t work = std::max<std::int64_t>(1, rows_per_region * std::min(inner, kInnerBlock));
  parallel_for(0, outer * blocks, std::max<std::int64_t>(1, kGrain / work), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) {
      const std::int64_t k0 = (t % blocks) * kInnerBlock;
      fn(t / blocks, k0, std::min(inner, k0 + kInnerBlock));
    }
  });
}

// Copies the `count` positions of range `s` (axis size `src_size`) to those of `d` (axis size
// `dst_size`), for every outer row. Unit steps on both sides merge each row into one run.
void copy_ranges(const Tensor& src, std::int64_t src_size, AxisRange s, Tensor& dst, std::int64_t dst_size, AxisRange d,
                 std::int64_t outer, std::int64_t inner) {
  const bool merge = s.step == 1 && d.step == 1;
  const std::int64_t per = merge ? 1 : s.count, run = merge ? s.count * inner : inner;
  dispatch_all(src.dtype(), [&]<class T>() {
    copy_runs(
        src.data<T>(), dst.data<T>(), outer, per, run,
        [&](std::int64_t o, std::int64_t i) { return (o * src_size + s.start + i * s.step) * inner; },
        [&](std::int64_t o, std::int64_t i) { return (o * dst_size + d.start + i * d.step) * inner; });
  });
}

Tensor copy_of(const Tensor& x) {
  Tensor out = empty_tensor(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* o = out.data<T>();
    parallel_for(0, x.numel(), kGrain, [&](std::int64_t b, std::int64_t e) { std::copy(in + b, in + e, o + b); });
  });
  return out;
}

// ---- validation -------------------------------------------------------------------------------
void check_index_tensor(const Tensor& index, const char* op) {
  if (!index.defined()) throw ValueError(std::string(op) + ": index is undefined");
  if (index.dtype() != Dtype::Int64)
    throw DtypeError(std::string(op) + ": index must be an int64 tensor, got " + std::string(dtype_name(index.dtype())));
}

void check_index_vector(const Tensor& index, const char* op) {
  check_index_tensor(index, op);
  if (index.dim() != 1) throw ShapeError(std::string(op) + ": index must be 1-d, got shape " + shape_str(index.shape()));
}

void check_index_values(const Tensor& index, std::int64_t size, std::int64_t axis, const char* op) {
  const std::int64_t* p = index.data<std::int64_t>();
  const std::int64_t n = index.numel();
  bool bad = false;  // a branch-free pass first (it vectorizes), then find the culprit
  for (std::int64_t i = 0; i < n; ++i) bad |= (p[i] < 0) | (p[i] >= size);
  for (std::int64_t i = 0; bad && i < n; ++i)
    if (p[i] < 0 || p[i] >= size)
      throw IndexError(std::string(op) + ": index " + std::to_string(p[i]) + " is out of range for axis " +
                       std::to_string(axis) + " of size " + std::to_string(size) + " (expected 0 <= index < " +
                       std::to_string(size) + ")");
}

void check_range(AxisRange r, std::int64_t size, std::int64_t axis, const char* op) {
  if (r.count > 0 && (r.start < 0 || r.step < 1 || r.start + (r.count - 1) * r.step >= size))
    throw IndexError(std::string(op) + ": range start " + std::to_string(r.start) + ", step " +
                     std::to_string(r.step) + ", count " + std::to_string(r.count) + " does not fit axis " +
                     std::to_string(axis) + " of size " + std::to_string(size));
}

void check_same_dtype(const Tensor& self, const Tensor& src, const char* op) {
  if (self.dtype() != src.dtype())
    throw DtypeError(std::string(op) + ": src has dtype " + std::string(dtype_name(src.dtype())) + " but self has " +
                     std::string(dtype_name(self.dtype())) + "; they must match");
}

// gather / scatter_add: index has x's rank and fits inside x on every axis but `axis`.
void check_gather_shapes(const Tensor& x, const Tensor& index, std::int64_t axis, const char* op, const char* x_name) {
  if (index.dim() != x.dim())
    throw ShapeError(std::string(op) + ": index has shape " + shape_str(index.shape()) + " (rank " +
                     std::to_string(index.dim()) + ") but " + x_name + " has shape " + shape_str(x.shape()) +
                     " (rank " + std::to_string(x.dim()) + "); the ranks must match");
  for (std::int64_t d = 0; d < x.dim(); ++d)
    if (d != axis && index.shape()[d] > x.shape()[d])
      throw ShapeError(std::string(op) + ": index shape " + shape_str(index.shape()) + " is larger than " + x_name +
                       " shape " + shape_str(x.shape()) + " on axis " + std::to_string(d) +
                       " (expected index.size(d) <= " + x_name + ".size(d) for every d != " + std::to_string(axis) + ")");
}

// Element offsets in a tensor of shape `full` of every position of the sub-box `box`, taken over
// dims [first, last) (row-major order of the box).
std::vector<std::int64_t> box_offsets(const Shape& full, const Shape& box, std::size_t first, std::size_t last) {
  const Shape strides = contiguous_strides(full);
  std::vector<std::int64_t> offsets{0};
  for (std::size_t d = first; d < last; ++d) {
    std::vector<std::int64_t> next;
    next.reserve(offsets.size() * static_cast<std::size_t>(box[d]));
    for (auto base : offsets)
      for (std::int64_t i = 0; i < box[d]; ++i) next.push_back(base + i * strides[d]);
    offsets = std::move(next);
  }
  return offsets;
}

// Where gather reads / scatter_add writes: for index position (o, j, k) of an index split as
// [outer, n, inner] around the axis, the element of `x` at outer[o] + index * stride + inner[k].
struct GatherPlan {
  AxisSplit idx;
  std::int64_t stride = 1;
  std::vector<std::int64_t> outer, inner;
};
GatherPlan gather_plan(const Tensor& x, const Tensor& index, std::int64_t axis) {
  const auto a = static_cast<std::size_t>(axis);
  return {split_at(index.shape(), axis), split_at(x.shape(), axis).inner, box_offsets(x.shape(), index.shape(), 0, a),
          box_offsets(x.shape(), index.shape(), a + 1, x.shape().size())};
}

// Calls fn(i, e) for every flat index position i and the flat element e of x it designates,
// region by region (regions own disjoint elements of x; one region visits its positions in index
// order). A single inner column (gather along the last axis) gets a loop of its own.
template <class F> void for_each_indexed(const GatherPlan& p, const std::int64_t* idx, F&& fn) {
  const std::int64_t n = p.idx.size, inner = p.idx.inner;
  for_each_region(p.idx.outer, inner, n, [&](std::int64_t r, std::int64_t k0, std::int64_t k1) {
    const std::int64_t base = p.outer[r];
    if (inner == 1) {
      const std::int64_t first = r * n, shift = base + p.inner[0];
      for (std::int64_t i = first; i < first + n; ++i) fn(i, shift + idx[i] * p.stride);
      return;
    }
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t at = (r * n + j) * inner;
      for (std::int64_t k = k0; k < k1; ++k) fn(at + k, base + idx[at + k] * p.stride + p.inner[k]);
    }
  });
}

}  // namespace

// ---- slices and concatenation -------------------------------------------------------------------
Tensor slice(const Tensor& x, std::int64_t axis, AxisRange range) {
  const AxisSplit s = split_at(x.shape(), axis);
  check_range(range, s.size, axis, "slice");
  Tensor out = empty_tensor(with_size(x.shape(), axis, range.count), x.dtype());
  copy_ranges(x, s.size, range, out, range.count, {0, 1, range.count}, s.outer, s.inner);
  return out;
}

Tensor slice_scatter_zeros(const Tensor& x, const Shape& shape, std::int64_t axis, AxisRange range) {
  const AxisSplit s = split_at(shape, axis);
  if (x.shape() != with_size(shape, axis, range.count))
    throw ShapeError("slice_backward: gradient of shape " + shape_str(x.shape()) + " does not match a slice of " +
                     std::to_string(range.count) + " positions along axis " + std::to_string(axis) + " of shape " +
                     shape_str(shape));
  check_range(range, s.size, axis, "slice_backward");
  Tensor out = empty_tensor(shape, x.dtype());
  fill(out, 0.0);
  copy_ranges(x, range.count, {0, 1, range.count}, out, s.size, range, s.outer, s.inner);
  return out;
}

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis, const char* op) {
  if (tensors.empty()) throw ValueError(std::string(op) + ": expected at least one tensor, got an empty list");
  const Tensor& first = tensors[0];
  std::int64_t total = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (!t.defined()) throw ValueError(std::string(op) + ": tensor " + std::to_string(i) + " is undefined");
    if (t.dtype() != first.dtype())
      throw DtypeError(std::string(op) + ": tensor " + std::to_string(i) + " has dtype " +
                       std::string(dtype_name(t.dtype())) + " but tensor 0 has " +
                       std::string(dtype_name(first.dtype())) + "; every tensor must have the same dtype");
    bool fits = t.dim() == first.dim();
    for (std::int64_t d = 0; fits && d < t.dim(); ++d) fits = d == axis || t.shape()[d] == first.shape()[d];
    if (!fits)
      throw ShapeError(std::string(op) + ": tensor " + std::to_string(i) + " has shape " + shape_str(t.shape()) +
                       " but tensor 0 has shape " + shape_str(first.shape()) +
                       "; every tensor must have the same rank and equal sizes except along axis " +
                       std::to_string(axis));
    total += t.shape()[axis];
  }
  Tensor out = empty_tensor(with_size(first.shape(), axis, total), first.dtype());
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    const AxisSplit s = split_at(t.shape(), axis);
    copy_ranges(t, s.size, {0, 1, s.size}, out, total, {offset, 1, s.size}, s.outer, s.inner);
    offset += s.size;
  }
  return out;
}

// ---- index_select / index_add -------------------------------------------------------------------
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op) {
  check_index_vector(index, op);
  const AxisSplit s = split_at(x.shape(), axis);
  check_index_values(index, s.size, axis, op);
  const std::int64_t n = index.numel();
  const std::int64_t* idx = index.data<std::int64_t>();
  Tensor out = empty_tensor(with_size(x.shape(), axis, n), x.dtype());
  dispatch_all(x.dtype(), [&]<class T>() {
    copy_runs(
        x.data<T>(), out.data<T>(), s.outer, n, s.inner,
        [&](std::int64_t o, std::int64_t i) { return (o * s.size + idx[i]) * s.inner; },
        [&](std::int64_t o, std::int64_t i) { return (o * n + i) * s.inner; });
  });
  return out;
}

Tensor index_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src, const char* op) {
  check_index_vector(index, op);
  check_same_dtype(self, src, op);
  const std::int64_t n = index.numel();
  if (src.shape() != with_size(self.shape(), axis, n))
    throw ShapeError(std::string(op) + ": src has shape " + shape_str(src.shape()) + ", expected " +
                     shape_str(with_size(self.shape(), axis, n)) + " (self shape " + shape_str(self.shape()) +
                     " with axis " + std::to_string(axis) + " of size index.numel() = " + std::to_string(n) + ")");
  const AxisSplit s = split_at(self.shape(), axis);
  check_index_values(index, s.size, axis, op);
  const std::int64_t* idx = index.data<std::int64_t>();
  Tensor out = copy_of(self);
  dispatch_all(self.dtype(), [&]<class T>() {
    T* o = out.data<T>();
    const T* in = src.data<T>();
    for_each_region(s.outer, s.inner, n, [&](std::int64_t r, std::int64_t k0, std::int64_t k1) {
      for (std::int64_t i = 0; i < n; ++i) {
        T* to = o + (r * s.size + idx[i]) * s.inner;
        const T* from = in + (r * n + i) * s.inner;
        for (std::int64_t k = k0; k < k1; ++k) to[k] += from[k];
      }
    });
  });
  return out;
}

// ---- gather / scatter_add -------------------------------------------------------------------------
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op) {
  check_index_tensor(index, op);
  check_gather_shapes(x, index, axis, op, "x");
  check_index_values(index, x.shape()[axis], axis, op);
  Tensor out = empty_tensor(index.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* o = out.data<T>();
    for_each_indexed(gather_plan(x, index, axis), index.data<std::int64_t>(),
                     [&](std::int64_t i, std::int64_t e) { o[i] = in[e]; });
  });
  return out;
}

Tensor scatter_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src, const char* op) {
  check_index_tensor(index, op);
  check_gather_shapes(self, index, axis, op, "self");
  check_same_dtype(self, src, op);
  if (src.shape() != index.shape())
    throw ShapeError(std::string(op) + ": src has shape " + shape_str(src.shape()) + " but index has shape " +
                     shape_str(index.shape()) + "; they must be equal");
  check_index_values(index, self.shape()[axis], axis, op);
  Tensor out = copy_of(self);
  dispatch_all(self.dtype(), [&]<class T>() {
    const T* in = src.data<T>();
    T* o = out.data<T>();
    for_each_indexed(gather_plan(self, index, axis), index.data<std::int64_t>(),
                     [&](std::int64_t i, std::int64_t e) { o[e] += in[i]; });
  });
  return out;
}

}  // namespace xg::kernels
