#pragma once
// Differentiable copies: dtype conversion and clone (also reachable as Tensor::to / Tensor::clone).
#include <xgrad/core/tensor.hpp>

namespace xg {

/// x converted to `dtype`. Between float types the gradient is converted back; to int64 it stops.
Tensor to_dtype(const Tensor& x, Dtype dtype);
/// A copy with its own storage. Backward: identity.
Tensor clone(const Tensor& x);

}  // namespace xg
