#pragma once
// nn::functional — stateless building blocks as free functions, composed from differentiable ops
// (so every one has first and second derivatives). Layers in nn/ call these.
#include <xgrad/core/tensor.hpp>

#include <optional>

#include <cstdint>

namespace xg::nn::functional {

/// max(x, 0).
Tensor relu(const Tensor& x);
/// x for x > 0, slope * x otherwise.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// x for x > 0, alpha (e^x - 1) otherwise.
Tensor elu(const Tensor& x, double alpha = 1.0);
/// scale * elu(x, alpha) with the self-normalizing constants.
Tensor selu(const Tensor& x);
/// Gaussian error linear unit, exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).
Tensor gelu(const Tensor& x);
/// ln(1 + e^x), computed stably as max(x, 0) + ln(1 + e^-|x|).
Tensor softplus(const Tensor& x);
/// x / (1 + |x|).
Tensor softsign(const Tensor& x);
/// x * sigmoid(x) (swish).
Tensor silu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// e^x_i / sum_j e^x_j along `axis`, stable (shifted by the max).
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
/// x_i - log sum_j e^x_j along `axis`, stable.
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);

/// The logits x of probs = softmax(x, -1) when probs is the recorded output of softmax over its
/// last axis (as Keras' `_keras_logits`), else nullopt. The cross-entropy losses use it to compute
/// from logits: exact, stable, and one fused node instead of the softmax and the log chain.
std::optional<Tensor> softmax_logits(const Tensor& probs);

}  // namespace xg::nn::functional
