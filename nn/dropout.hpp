#pragma once
// Dropout: inverted dropout, active only in training mode.
//
//   nn::Sequential model{nn::Dense(256, {.activation = "relu"}), nn::Dropout(0.5), nn::Dense(10)};
//   model.eval();   // Dropout becomes the identity
//
// In training mode each element is kept with probability 1 - rate and scaled by 1 / (1 - rate), so
// the expected output equals the input and evaluation needs no rescaling. The keep mask is drawn
// from the global generator (xg::rand: seeded by xg::manual_seed, counter-based), so a seed gives
// the same mask whatever the thread count.
#include <xgrad/nn/module.hpp>

#include <string>

namespace xg::nn {

namespace functional {
/// Inverted dropout: x * mask / (1 - rate) with mask_i ~ Bernoulli(1 - rate), drawn from the global
/// generator; the identity when `training` is false or rate is 0. rate must be in [0, 1)
/// (ValueError otherwise). Shape and dtype of x are preserved.
Tensor dropout(const Tensor& x, double rate, bool training = true);
/// Dropout with a given keep mask (1 = keep, 0 = drop) of x's shape: x * mask / (1 - rate).
/// Deterministic, so gradcheck can use it. Backward: grad * mask / (1 - rate).
Tensor dropout_with_mask(const Tensor& x, const Tensor& mask, double rate);
}  // namespace functional

struct DropoutOptions {
  /// Layer name; "" gives an automatic one ("dropout_1").
  std::string name;
};

/// Inverted dropout layer: [any shape] -> same shape. rate in [0, 1) is the fraction dropped.
class Dropout : public Module {
 public:
  explicit Dropout(double rate, DropoutOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  double rate() const { return rate_; }

 private:
  double rate_;
};

}  // namespace xg::nn
