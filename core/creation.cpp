#include <xgrad/core/creation.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/elementwise.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/random.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace xg {
namespace {

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

// Fills t[i] = f(i) in parallel, converting to t's dtype.
template <class F> Tensor generate(const Shape& shape, const TensorOptions& options, F f) {
  Tensor t = empty_tensor(shape, options.dtype);
  dispatch_all(options.dtype, [&]<class T>() {
    T* p = t.data<T>();
    parallel_for(0, t.numel(), 16384, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) p[i] = static_cast<T>(f(i));
    });
  });
  return finish(std::move(t), options);
}

template <class T> Tensor from_values(const std::vector<T>& values, const Shape& shape, const TensorOptions& options) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    throw ShapeError("from_vector: " + std::to_string(values.size()) + " values cannot fill shape " + shape_str(shape) +
                     " (" + std::to_string(shape_numel(shape)) + " elements)");
  return from_blob(values.data(), dtype_of<T>, shape, options);
}

}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) { return finish(empty_tensor(shape, options.dtype), options); }
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor t = empty_tensor(shape, options.dtype);
  kernels::fill(t, value);
  return finish(std::move(t), options);
}

Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }
Tensor zeros_like(const Tensor& like) { return zeros(like.shape(), {.dtype = like.dtype()}); }
Tensor ones_like(const Tensor& like) { return ones(like.shape(), {.dtype = like.dtype()}); }
Tensor full_like(const Tensor& like, double value) { return full(like.shape(), value, {.dtype = like.dtype()}); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    throw ValueError("arange: expected finite start/end and a non-zero step");
  const double count = std::ceil((end - start) / step);
  const std::int64_t n = count > 0 ? static_cast<std::int64_t>(count) : 0;
  return generate({n}, options, [&](std::int64_t i) { return start + step * static_cast<double>(i); });
}

Tensor linspace(double start, double end, std::int64_t steps, TensorOptions options) {
  if (steps < 0) throw ValueError("linspace: steps must be >= 0, got " + std::to_string(steps));
  const double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // The last value is `end` exactly; a single step is just `start` (as numpy and PyTorch).
  return generate({steps}, options, [&](std::int64_t i) {
    return i == steps - 1 && steps > 1 ? end : start + delta * static_cast<double>(i);
  });
}

Tensor eye(std::int64_t n, std::int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  if (n < 0) throw ValueError("eye: n must be >= 0, got " + std::to_string(n));
  return generate({n, m}, options, [&](std::int64_t i) { return i / m == i % m ? 1.0 : 0.0; });
}

Tensor rand(const Shape& shape, TensorOptions options) { return uniform(shape, 0.0, 1.0, options); }
Tensor randn(const Shape& shape, TensorOptions options) { return normal(shape, 0.0, 1.0, options); }

Tensor uniform(const Shape& shape, double low, double high, TensorOptions options) {
  if (!(low <= high)) throw ValueError("uniform: expected low <= high");
  const auto block = random::reserve(static_cast<std::uint64_t>(shape_numel(shape)));
  // low + (high - low) u can round up to `high` in the output dtype (float32 rounds any u within
  // 2^-25 of 1 to 1): cap draws at the largest value of that dtype below `high`.
  const double below_high = options.dtype == Dtype::Float32 ? std::nextafter(static_cast<float>(high), -INFINITY)
                                                            : std::nextafter(high, -INFINITY);
  return generate(shape, options, [&](std::int64_t i) {
    return std::max(low, std::min(below_high, low + (high - low) * random::uniform01(block, i)));
  });
}

Tensor normal(const Shape& shape, double mean, double std, TensorOptions options) {
  if (!(std >= 0)) throw ValueError("normal: expected std >= 0");
  const auto block = random::reserve(static_cast<std::uint64_t>(shape_numel(shape)));
  return generate(shape, options, [&](std::int64_t i) { return mean + std * random::normal01(block, i); });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape) {
  if (high <= low) throw ValueError("randint: expected low < high");
  const auto block = random::reserve(static_cast<std::uint64_t>(shape_numel(shape)));
  const auto range = static_cast<std::uint64_t>(high - low);
  return generate(shape, {.dtype = Dtype::Int64},
                  [&](std::int64_t i) { return low + static_cast<std::int64_t>(random::bits(block, 2 * i) % range); });
}

Tensor randperm(std::int64_t n) {
  if (n < 0) throw ValueError("randperm: n must be >= 0");
  const auto block = random::reserve(static_cast<std::uint64_t>(n));
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  for (std::int64_t i = n - 1; i > 0; --i)  // Fisher-Yates, one counter per swap
    std::swap(perm[i], perm[random::bits(block, 2 * i) % static_cast<std::uint64_t>(i + 1)]);
  return from_vector(perm, {n});
}

NestedList::NestedList(std::initializer_list<NestedList> rows) {
  shape_ = {static_cast<std::int64_t>(rows.size())};
  bool first = true;
  for (const auto& row : rows) {
    if (first) {
      shape_.insert(shape_.end(), row.shape_.begin(), row.shape_.end());
      first = false;
    } else if (!std::equal(row.shape_.begin(), row.shape_.end(), shape_.begin() + 1, shape_.end()) ||
               row.shape_.size() + 1 != shape_.size()) {
      throw ShapeError("tensor(): nested list is ragged: a row of shape " + shape_str(row.shape_) +
                       " among rows of shape " + shape_str(Shape(shape_.begin() + 1, shape_.end())));
    }
    values_.insert(values_.end(), row.values_.begin(), row.values_.end());
  }
}

Tensor tensor(const NestedList& values, TensorOptions options) {
  return from_blob(values.values().data(), Dtype::Float64, values.shape(), options);
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape, TensorOptions options) {
  return from_values(values, shape, options);
}
Tensor from_vector(const std::vector<double>& values, const Shape& shape, TensorOptions options) {
  return from_values(values, shape, options);
}
Tensor from_vector(const std::vector<std::int64_t>& values, const Shape& shape, TensorOptions options) {
  return from_values(values, shape, options);
}

Tensor from_blob(const void* data, Dtype src_dtype, const Shape& shape, TensorOptions options) {
  Tensor src = empty_tensor(shape, src_dtype);
  if (src.numel() > 0) std::memcpy(src.raw_data(), data, static_cast<std::size_t>(src.numel()) * element_size(src_dtype));
  return finish(src_dtype == options.dtype ? src : kernels::cast(src, options.dtype), options);
}

}  // namespace xg
