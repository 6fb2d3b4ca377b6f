#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay —
// PyTorch's torch.optim.SGD (1.13), per element, with g the gradient and p the parameter:
//   d = g + weight_decay * p
//   b = d                                   on the first step (momentum != 0)
//   b = momentum * b + (1 - dampening) * d  afterwards
//   d = nesterov ? d + momentum * b : b     (when momentum != 0)
//   p = p - lr * d
// State per parameter: "momentum_buffer" (only with momentum).
#include <xgrad/optim/optimizer.hpp>

namespace xg::optim {

/// Options of SGD (field order as PyTorch's signature, for designated initializers).
struct SGDOptions {
  double lr = 0.01;  ///< Keras' default; PyTorch has none
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient
  bool nesterov = false;      ///< needs momentum > 0 and dampening == 0
};

class SGD : public Optimizer {
 public:
  /// Without parameters: bind them later with set_parameters().
  explicit SGD(SGDOptions options = {});
  SGD(ParamList params, SGDOptions options = {});

  const SGDOptions& options() const { return options_; }

 protected:
  void update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  std::vector<std::string> state_keys() const override;

 private:
  SGDOptions options_;
};

}  // namespace xg::optim
