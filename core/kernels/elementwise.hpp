#pragma once
// Internal elementwise kernels on raw tensor data (no autograd). Inputs of different dtypes are
// promoted (float64 > float32 > int64); broadcasting follows NumPy. Outputs are fresh tensors.
#include <xgrad/core/tensor.hpp>

namespace xg::kernels {

enum class UnaryOp {
  Neg, Abs, Sign, Square, Relu,  // any dtype
  Exp, Log, Sqrt, Rsqrt, Tanh, Sigmoid, Reciprocal, Sin, Cos, Log1p, Expm1, Erf  // float only
};
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Lt, Le, Gt, Ge, Eq, Ne };

/// out[i] = op(x[i]).
Tensor unary(UnaryOp op, const Tensor& x);
/// out = op(a, b) with broadcasting; comparisons give 1/0 in the promoted dtype.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
/// out = op(a, s), or op(s, a) when `scalar_first`; the result keeps a's dtype.
Tensor binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first = false);
/// out = cond != 0 ? a : b, all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// out = min(max(x, lo), hi).
Tensor clamp(const Tensor& x, double lo, double hi);
/// out = x converted to `dtype` (a copy even if the dtype matches).
Tensor cast(const Tensor& x, Dtype dtype);
/// x broadcast to `shape` and materialized.
Tensor broadcast_to(const Tensor& x, const Shape& shape);

void fill(Tensor& t, double value);
/// dst[...] = src broadcast to dst's shape, converted to dst's dtype.
void copy_broadcast(Tensor& dst, const Tensor& src);
/// dst += alpha * src (src broadcast to dst's shape).
void axpy_broadcast(Tensor& dst, const Tensor& src, double alpha);
void scale_inplace(Tensor& t, double factor);
/// True if no element is NaN or +-Inf.
bool all_finite(const Tensor& t);

}  // namespace xg::kernels
