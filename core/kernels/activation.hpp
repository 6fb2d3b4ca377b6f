#pragma once
// Internal kernels of the fused activations (core/activation.hpp): applied in place to a block
// of a product's output while it is still in cache, and the one-pass backward g * act'(y).
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

#include <cstdint>

namespace xg::kernels {

/// y[i] = act(y[i]) for i < n, on the calling thread (T = float or double). NaN propagates.
template <class T> void apply_activation(Activation act, T* y, std::int64_t n);

/// act applied in place to every element of a contiguous float tensor, in parallel.
void activation_inplace(Activation act, Tensor& y);

/// grad * act'(x) from the output y = act(x), one fresh tensor (same formulas, in the same order,
/// as the composite backward: relu g * [y > 0], tanh g * (1 - y*y), sigmoid (g * y) * (1 - y)).
Tensor activation_backward(Activation act, const Tensor& grad, const Tensor& output);

}  // namespace xg::kernels
