#pragma once
// Tensor creation: constants, ranges, identity, random draws and conversions from C++ containers.
// Every function takes TensorOptions: `xg::zeros({2, 3}, {.dtype = xg::kFloat64})`.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace xg {

/// Uninitialized tensor.
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
/// A 0-d tensor holding `value`.
Tensor scalar_tensor(double value, TensorOptions options = {});
/// Same shape and dtype as `like` (requires_grad false).
Tensor zeros_like(const Tensor& like);
Tensor ones_like(const Tensor& like);
Tensor full_like(const Tensor& like, double value);
/// [start, start + step, ...) below end, like numpy.arange.
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {});
/// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, std::int64_t steps, TensorOptions options = {});
/// n x m identity (m defaults to n).
Tensor eye(std::int64_t n, std::int64_t m = -1, TensorOptions options = {});
/// Uniform in [0, 1), from the global generator (xg::manual_seed).
Tensor rand(const Shape& shape, TensorOptions options = {});
/// Standard normal.
Tensor randn(const Shape& shape, TensorOptions options = {});
/// Uniform in [low, high).
Tensor uniform(const Shape& shape, double low, double high, TensorOptions options = {});
/// Normal with the given mean and standard deviation.
Tensor normal(const Shape& shape, double mean, double std, TensorOptions options = {});
/// Uniform integers in [low, high) as int64.
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape);
/// A random permutation of 0..n-1 (int64).
Tensor randperm(std::int64_t n);

/// A nested list of numbers: `xg::tensor({{1, 2}, {3, 4}})` is a 2x2 tensor.
class NestedList {
 public:
  NestedList(double value) : values_{value} {}  // NOLINT: implicit by design
  NestedList(std::initializer_list<NestedList> rows);
  const std::vector<double>& values() const { return values_; }
  const Shape& shape() const { return shape_; }

 private:
  std::vector<double> values_;
  Shape shape_;
};

/// A tensor from a (nested) list of numbers; float32 unless options say otherwise.
Tensor tensor(const NestedList& values, TensorOptions options = {});
/// A tensor from a flat vector and a shape (copies).
Tensor from_vector(const std::vector<float>& values, const Shape& shape, TensorOptions options = {});
Tensor from_vector(const std::vector<double>& values, const Shape& shape, TensorOptions options = {.dtype = Dtype::Float64});
Tensor from_vector(const std::vector<std::int64_t>& values, const Shape& shape, TensorOptions options = {.dtype = Dtype::Int64});
/// A tensor copied from `count` elements of type `src_dtype` at `data`.
Tensor from_blob(const void* data, Dtype src_dtype, const Shape& shape, TensorOptions options = {});

}  // namespace xg
