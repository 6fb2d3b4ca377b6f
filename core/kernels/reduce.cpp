#include <xgrad/core/kernels/reduce.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace xg::kernels {
namespace {

template <class T> struct Accumulator {
  using type = T;
};
template <> struct Accumulator<float> {
  using type = double;  // float sums accumulate in double
};

template <class T> T identity(ReduceOp op) {
  if (op == ReduceOp::Sum) return T(0);
  if constexpr (std::is_floating_point_v<T>)
    return op == ReduceOp::Max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else
    return op == ReduceOp::Max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

template <class T> T combine(ReduceOp op, T a, T b) {
  switch (op) {
    case ReduceOp::Sum: return a + b;
    case ReduceOp::Max: return (b > a || b != b) ? b : a;  // NaN propagates
    case ReduceOp::Min: return (b < a || b != b) ? b : a;
  }
  return a;
}

// op over x[0 .. n) in accumulator type A. Sums run in kLanes interleaved partial sums (lane j
// takes k = j mod kLanes), added pairwise at the end: one running sum would wait for each add's
// latency (the conv bias gradient's 784-element rows took ~4 cycles an element); the order still
// depends only on n.
template <class A, class T> A reduce_row(ReduceOp op, const T* x, std::int64_t n) {
  if (op != ReduceOp::Sum) {
    A acc = identity<A>(op);
    for (std::int64_t k = 0; k < n; ++k) acc = combine<A>(op, acc, static_cast<A>(x[k]));
    return acc;
  }
  constexpr int kLanes = 8;
  A lane[kLanes] = {};
  std::int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] += static_cast<A>(x[k + j]);
  for (int j = 0; k < n; ++k, ++j) lane[j] += static_cast<A>(x[k]);
  for (int width = kLanes / 2; width > 0; width /= 2)
    for (int j = 0; j < width; ++j) lane[j] += lane[j + width];
  return lane[0];
}

// Reduces the middle axis of a [outer, r, inner] view: out[o, i] = op_k x[o, k, i].
template <class T> void reduce_middle(ReduceOp op, const T* x, T* out, std::int64_t outer, std::int64_t r,
                                      std::int64_t inner) {
  using A = typename Accumulator<T>::type;
  if (inner == 1 && outer == 1) {
    // One long reduction: fixed chunks, partials combined in order (thread-count independent).
    constexpr std::int64_t kChunk = 1 << 14;
    const std::int64_t chunks = (r + kChunk - 1) / kChunk;
    std::vector<A> partial(static_cast<std::size_t>(std::max<std::int64_t>(chunks, 1)), identity<A>(op));
    parallel_chunks(r, kChunk, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
      partial[c] = reduce_row<A>(op, x + b, e - b);
    });
    A acc = identity<A>(op);
    for (A p : partial) acc = combine<A>(op, acc, p);
    out[0] = static_cast<T>(acc);
    return;
  }
  if (inner == 1) {
    parallel_for(0, outer, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(r, 1)),
                 [&](std::int64_t b, std::int64_t e) {
                   for (std::int64_t o = b; o < e; ++o) out[o] = static_cast<T>(reduce_row<A>(op, x + o * r, r));
                 });
    return;
  }
  // inner > 1: accumulate whole rows (vectorizes over inner); parallel over outer x inner blocks.
  constexpr std::int64_t kBlock = 256;
  const std::int64_t blocks_per_outer = (inner + kBlock - 1) / kBlock;
  parallel_for(0, outer * blocks_per_outer, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) {
      const std::int64_t o = t / blocks_per_outer, i0 = (t % blocks_per_outer) * kBlock;
      const std::int64_t i1 = std::min(inner, i0 + kBlock);
      T* dst = out + o * inner;
      for (std::int64_t i = i0; i < i1; ++i) dst[i] = identity<T>(op);
      for (std::int64_t k = 0; k < r; ++k) {
        const T* src = x + (o * r + k) * inner;
        if (op == ReduceOp::Sum)
          for (std::int64_t i = i0; i < i1; ++i) dst[i] += src[i];
        else
          for (std::int64_t i = i0; i < i1; ++i) dst[i] = combine<T>(op, dst[i], src[i]);
      }
    }
  });
}

}  // namespace

Shape reduced_shape(const Shape& shape, const std::vector<std::int64_t>& axes, bool keepdims) {
  Shape out;
  for (std::int64_t d = 0; d < static_cast<std::int64_t>(shape.size()); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!reduced) out.push_back(shape[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

Tensor reduce(ReduceOp op, const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdims) {
  const Shape& shape = x.shape();
  if (op != ReduceOp::Sum)
    for (auto a : axes)
      if (shape[a] == 0)
        throw ShapeError(std::string(op == ReduceOp::Max ? "max" : "min") + ": cannot reduce an empty axis " +
                         std::to_string(a) + " of shape " + shape_str(shape));
  // Reduce runs of adjacent axes one run at a time, last run first.
  Tensor cur = x;
  Shape cur_shape = shape;  // reduced axes kept as size 1 while working
  std::int64_t i = static_cast<std::int64_t>(axes.size()) - 1;
  while (i >= 0) {
    std::int64_t j = i;
    while (j > 0 && axes[j - 1] == axes[j] - 1) --j;
    const std::int64_t first = axes[j], last = axes[i];
    std::int64_t outer = 1, r = 1, inner = 1;
    for (std::int64_t d = 0; d < first; ++d) outer *= cur_shape[d];
    for (std::int64_t d = first; d <= last; ++d) r *= cur_shape[d];
    for (std::int64_t d = last + 1; d < static_cast<std::int64_t>(cur_shape.size()); ++d) inner *= cur_shape[d];
    for (std::int64_t d = first; d <= last; ++d) cur_shape[d] = 1;
    Tensor next = empty_tensor(cur_shape, x.dtype());
    dispatch_all(x.dtype(), [&]<class T>() {
      if (r == 0) {
        T* o = next.data<T>();
        std::fill(o, o + next.numel(), T(0));
      } else {
        reduce_middle<T>(op, std::as_const(cur).data<T>(), next.data<T>(), outer, r, inner);
      }
    });
    cur = next;
    i = j - 1;
  }
  const Shape final_shape = reduced_shape(shape, axes, keepdims);
  return alias_with_shape(cur, final_shape);
}

Tensor arg_reduce(ReduceOp op, const Tensor& x, std::int64_t axis, bool keepdims) {
  const Shape& shape = x.shape();
  Tensor out = empty_tensor(shape.empty() ? Shape{} : reduced_shape(shape, {axis}, keepdims), Dtype::Int64);
  std::int64_t outer = 1, r = shape.empty() ? 1 : shape[axis], inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (std::int64_t d = axis + 1; d < static_cast<std::int64_t>(shape.size()); ++d) inner *= shape[d];
  if (r == 0) throw ShapeError("argmax/argmin: cannot reduce an empty axis of shape " + shape_str(shape));
  std::int64_t* po = out.data<std::int64_t>();
  dispatch_all(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    parallel_for(0, outer * inner, std::max<std::int64_t>(1, 16384 / r), [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t t = b; t < e; ++t) {
        const std::int64_t o = t / inner, i = t % inner;
        const T* base = px + o * r * inner + i;
        std::int64_t best = 0;
        T best_v = base[0];
        for (std::int64_t k = 1; k < r; ++k) {
          const T v = base[k * inner];
          if (best_v != best_v) break;  // NaN wins
          if (op == ReduceOp::Max ? (v > best_v || v != v) : (v < best_v || v != v)) {
            best_v = v;
            best = k;
          }
        }
        po[t] = best;
      }
    });
  });
  return out;
}

}  // namespace xg::kernels
