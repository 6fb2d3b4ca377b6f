#include <xgrad/nn/functional.hpp>

#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>

#include <cmath>

namespace xg::nn::functional {

Tensor relu(const Tensor& x) { return xg::relu(x); }
Tensor sigmoid(const Tensor& x) { return xg::sigmoid(x); }
Tensor tanh(const Tensor& x) { return xg::tanh(x); }

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return where(gt(x, 0.0), x, x * negative_slope);
}

Tensor elu(const Tensor& x, double alpha) {
  // expm1 of min(x, 0) keeps the unused branch finite for large x.
  return where(gt(x, 0.0), x, expm1(minimum(x, zeros_like(x))) * alpha);
}

Tensor selu(const Tensor& x) {
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return elu(x, alpha) * scale;
}

Tensor gelu(const Tensor& x) { return x * (erf(x * M_SQRT1_2) + 1.0) * 0.5; }

Tensor softplus(const Tensor& x) { return xg::relu(x) + log1p(exp(-abs(x))); }

Tensor softsign(const Tensor& x) { return x / (abs(x) + 1.0); }

Tensor silu(const Tensor& x) { return x * xg::sigmoid(x); }

Tensor log_softmax(const Tensor& x, std::int64_t axis) { return x - logsumexp(x, {axis}, true); }

Tensor softmax(const Tensor& x, std::int64_t axis) { return exp(log_softmax(x, axis)); }

}  // namespace xg::nn::functional
