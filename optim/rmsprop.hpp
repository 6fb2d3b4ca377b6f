#pragma once
// RMSprop — the update of PyTorch's torch.optim.RMSprop (1.13) with Keras' defaults. Per element:
//   g = g + weight_decay * p
//   s = alpha * s + (1 - alpha) * g^2                 (alpha is Keras' rho)
//   a = alpha * a + (1 - alpha) * g                   (centered only)
//   r = sqrt(s - a^2) if centered else sqrt(s);  r = r + eps    (eps outside the sqrt)
//   b = momentum * b + g / r;  p = p - lr * b         (momentum > 0)
//   p = p - lr * g / r                                (momentum == 0)
// State per parameter: "step", "square_avg", "grad_avg" (centered), "momentum_buffer" (momentum).
// Keras differs: recent Keras adds eps inside the sqrt and keeps lr inside the momentum buffer.
#include <xgrad/optim/optimizer.hpp>

namespace xg::optim {

/// Options of RMSprop: Keras' defaults (PyTorch: lr 1e-2, alpha 0.99, eps 1e-8), PyTorch's field order.
struct RMSpropOptions {
  double lr = 1e-3;
  double alpha = 0.9;  ///< decay of the squared-gradient average (Keras' rho)
  double eps = 1e-7;
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient
  double momentum = 0.0;
  bool centered = false;  ///< normalize by the estimated variance instead of the second moment
};

class RMSprop : public Optimizer {
 public:
  /// Without parameters: bind them later with set_parameters().
  explicit RMSprop(RMSpropOptions options = {});
  RMSprop(ParamList params, RMSpropOptions options = {});

  const RMSpropOptions& options() const { return options_; }

 protected:
  void update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  std::vector<std::string> state_keys() const override;

 private:
  RMSpropOptions options_;
};

}  // namespace xg::optim
