#pragma once
// Adam, AMSGrad and AdamW — PyTorch's torch.optim.Adam / AdamW (1.13), per element, at step t:
//   g = g + weight_decay * p                     (Adam: L2 penalty in the gradient)
//   p = p * (1 - lr * weight_decay)              (AdamW: decoupled decay, instead of the line above)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   v_max = max(v_max, v)                        (amsgrad; v_max replaces v below)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// State per parameter: "step", "exp_avg", "exp_avg_sq", and "max_exp_avg_sq" with amsgrad.
// eps defaults to PyTorch's 1e-8 (Keras uses 1e-7).
#include <xgrad/optim/optimizer.hpp>

#include <array>

namespace xg::optim {

/// Options of Adam (PyTorch's defaults and field order).
struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient
  bool amsgrad = false;
};

/// Options of AdamW: Adam's, with decoupled weight decay defaulting to PyTorch's 1e-2.
struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;  ///< decoupled: p *= 1 - lr * weight_decay before the Adam step
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  /// Without parameters: bind them later with set_parameters().
  explicit Adam(AdamOptions options = {});
  Adam(ParamList params, AdamOptions options = {});

  const AdamOptions& options() const { return options_; }
  /// True for AdamW.
  bool decoupled_weight_decay() const { return decoupled_; }

 protected:
  Adam(std::string name, ParamList params, AdamOptions options, bool decoupled);
  void update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  std::vector<std::string> state_keys() const override;

 private:
  AdamOptions options_;
  bool decoupled_;
};

/// Adam with decoupled weight decay (Loshchilov & Hutter).
class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions options = {});
  AdamW(ParamList params, AdamWOptions options = {});
};

}  // namespace xg::optim
