#pragma once
// Adagrad — the update of PyTorch's torch.optim.Adagrad (1.13) with Keras' defaults. Per element,
// at step t:
//   g = g + weight_decay * p
//   s = s + g^2                      (s starts at initial_accumulator_value)
//   p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
// State per parameter: "step", "sum".
#include <xgrad/optim/optimizer.hpp>

namespace xg::optim {

/// Options of Adagrad: Keras' defaults (PyTorch: lr 1e-2, initial_accumulator_value 0, eps 1e-10),
/// PyTorch's field order.
struct AdagradOptions {
  double lr = 1e-3;
  double lr_decay = 0.0;      ///< lr at step t is lr / (1 + (t - 1) * lr_decay)
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient
  double initial_accumulator_value = 0.1;
  double eps = 1e-7;
};

class Adagrad : public Optimizer {
 public:
  /// Without parameters: bind them later with set_parameters().
  explicit Adagrad(AdagradOptions options = {});
  Adagrad(ParamList params, AdagradOptions options = {});

  const AdagradOptions& options() const { return options_; }

 protected:
  void update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  std::vector<std::string> state_keys() const override { return {"step", "sum"}; }

 private:
  AdagradOptions options_;
};

}  // namespace xg::optim
