#pragma once
// Adadelta — the update of PyTorch's torch.optim.Adadelta (1.13) with Keras' defaults. Per element:
//   g = g + weight_decay * p
//   s = rho * s + (1 - rho) * g^2
//   delta = sqrt(u + eps) / sqrt(s + eps) * g
//   u = rho * u + (1 - rho) * delta^2
//   p = p - lr * delta
// State per parameter: "step", "square_avg" (s), "acc_delta" (u).
#include <xgrad/optim/optimizer.hpp>

namespace xg::optim {

/// Options of Adadelta: Keras' defaults (PyTorch: lr 1.0, rho 0.9, eps 1e-6), PyTorch's field order.
struct AdadeltaOptions {
  double lr = 1e-3;
  double rho = 0.95;
  double eps = 1e-7;
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient
};

class Adadelta : public Optimizer {
 public:
  /// Without parameters: bind them later with set_parameters().
  explicit Adadelta(AdadeltaOptions options = {});
  Adadelta(ParamList params, AdadeltaOptions options = {});

  const AdadeltaOptions& options() const { return options_; }

 protected:
  void update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  std::vector<std::string> state_keys() const override { return {"step", "square_avg", "acc_delta"}; }

 private:
  AdadeltaOptions options_;
};

}  // namespace xg::optim
