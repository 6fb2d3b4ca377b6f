#include <xgrad/autograd/ops/activation_grad.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/compare.hpp>
#include <xgrad/autograd/ops/unary.hpp>
#include <xgrad/core/kernels/activation.hpp>

namespace xg::autograd {

Tensor activation_grad(Activation act, const Tensor& grad, const Tensor& output) {
  if (act == Activation::Identity) return grad;
  if (!GradMode::is_enabled() && grad.dtype() == output.dtype() && grad.shape() == output.shape())
    return kernels::activation_backward(act, grad, output);
  switch (act) {
    case Activation::Relu: return grad * gt(output, 0.0);
    case Activation::Tanh: return grad * (1.0 - square(output));
    case Activation::Sigmoid: return grad * output * (1.0 - output);
    case Activation::Identity: break;
  }
  return grad;
}

Tensor fused_activation_grad(Context& ctx, Activation act, const Tensor& grad) {
  return act == Activation::Identity ? grad : activation_grad(act, grad, ctx.output());
}

}  // namespace xg::autograd
