#include <xgrad/nn/functional.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/kernels/softmax.hpp>

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

namespace {
// saved = {x, y}, ints = {axis}. dx = y * (g - sum(g * y, axis)).
std::vector<Tensor> softmax_backward(autograd::Context& c, const Tensor& g) {
  const Tensor y = c.output();
  return {y * (g - sum(g * y, {c.ints[0]}, true))};
}
}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) {
  // One "Softmax" node (not exp of log_softmax), so a loss can find the logits it came from
  // (softmax_logits) and use the fused softmax cross-entropy.
  const std::int64_t last = x.dim() - 1;
  Tensor y;
  if (x.dim() >= 1 && (axis == last || axis == -1) && is_floating(x.dtype())) {
    y = kernels::softmax_last_axis(x);
  } else {
    autograd::NoGradGuard no_grad;
    y = exp(log_softmax(x, axis));
  }
  if (auto* ctx = autograd::track("Softmax", {x}, y, softmax_backward)) {
    ctx->save_for_backward({x});
    ctx->save_output();
    ctx->ints = {axis < 0 ? axis + x.dim() : axis};
  }
  return y;
}

std::optional<Tensor> softmax_logits(const Tensor& probs) {
  const auto* node = dynamic_cast<const autograd::FunctionNode*>(probs.grad_fn().get());
  if (node == nullptr || node->name() != "SoftmaxBackward" || node->released()) return std::nullopt;
  auto& ctx = const_cast<autograd::FunctionNode*>(node)->context();
  if (ctx.ints.empty() || ctx.ints[0] != probs.dim() - 1) return std::nullopt;
  return ctx.saved(0);
}

}  // namespace xg::nn::functional
