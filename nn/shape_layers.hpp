#pragma once
// Layers that only change the shape of their input, sharing its storage (no copy):
//
//   nn::Flatten()                 [N, C, H, W] -> [N, C*H*W]       (PyTorch nn.Flatten, Keras Flatten)
//   nn::Reshape({7, 7, -1})       [N, 196]     -> [N, 7, 7, 4]     (Keras Reshape: batch axis excluded)
//
// Both are differentiable (the gradient is reshaped back). Inputs that do not fit throw a
// ShapeError naming the layer, the input shape and the requested shape.
#include <xgrad/nn/module.hpp>

#include <cstdint>
#include <string>

namespace xg::nn {

struct FlattenOptions {
  /// Last axis merged (inclusive, negative counts from the end).
  std::int64_t end_dim = -1;
  /// Layer name; "" gives an automatic one ("flatten_1").
  std::string name;
};

/// Merges axes start_dim..end_dim into one: with the defaults [N, d1, ..., dk] -> [N, d1*...*dk].
/// The input needs rank > start_dim (a [N] input is an error, as in PyTorch).
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, FlattenOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;

 private:
  std::int64_t start_dim_, end_dim_;
};

struct ReshapeOptions {
  /// Layer name; "" gives an automatic one ("reshape_1").
  std::string name;
};

/// [N, ...] -> [N, target...]: each sample is reshaped to `target` (the batch axis is kept and not
/// part of target, as in Keras). One entry of target may be -1 (inferred from the sample size);
/// the others must be positive (ValueError otherwise).
class Reshape : public Module {
 public:
  explicit Reshape(Shape target, ReshapeOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  const Shape& target_shape() const { return target_; }

 private:
  Shape target_;
};

}  // namespace xg::nn
