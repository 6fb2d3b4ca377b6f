#pragma once
// Activation functions as layers (PyTorch's nn.ReLU, Keras' layers.ReLU), for Sequential models
// and graphs that show the activation as a node of its own:
//
//   nn::Sequential model{nn::Dense(64), nn::LeakyReLU(0.1), nn::Dense(10), nn::LogSoftmax()};
//
// Each is a thin Module over nn::functional (so it has first and second derivatives) with no
// parameters. Elementwise ones keep the input shape; Softmax / LogSoftmax normalize along `axis`.
// Dense's `activation` option (by name) is the alternative that adds no layer.
#include <xgrad/nn/module.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace xg::nn {

struct ActivationLayerOptions {
  /// Layer name; "" gives an automatic one ("re_lu_1", "softmax_2", as Keras).
  std::string name;
};

/// Common base: applies a stored function; `describe` shows the layer's arguments.
class ActivationLayer : public Module {
 public:
  Tensor forward(const Tensor& x) override { return fn_(x); }
  std::string describe() const override { return type_name() + "(" + arguments_ + ")"; }

 protected:
  ActivationLayer(std::string type, std::function<Tensor(const Tensor&)> fn, std::string arguments,
                  const ActivationLayerOptions& options);

 private:
  std::function<Tensor(const Tensor&)> fn_;
  std::string arguments_;
};

/// max(x, 0).
class ReLU : public ActivationLayer {
 public:
  explicit ReLU(ActivationLayerOptions options = {});
};

/// x for x > 0, negative_slope * x otherwise. Default slope 0.01 as PyTorch (Keras' layer: 0.3,
/// Keras' "leaky_relu" activation name: 0.2).
class LeakyReLU : public ActivationLayer {
 public:
  explicit LeakyReLU(double negative_slope = 0.01, ActivationLayerOptions options = {});
  double negative_slope() const { return negative_slope_; }

 private:
  double negative_slope_;
};

/// x for x > 0, alpha (e^x - 1) otherwise.
class ELU : public ActivationLayer {
 public:
  explicit ELU(double alpha = 1.0, ActivationLayerOptions options = {});
  double alpha() const { return alpha_; }

 private:
  double alpha_;
};

/// Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
class GELU : public ActivationLayer {
 public:
  explicit GELU(ActivationLayerOptions options = {});
};

class Tanh : public ActivationLayer {
 public:
  explicit Tanh(ActivationLayerOptions options = {});
};

/// 1 / (1 + e^-x).
class Sigmoid : public ActivationLayer {
 public:
  explicit Sigmoid(ActivationLayerOptions options = {});
};

/// e^x_i / sum_j e^x_j along `axis` (stable).
class Softmax : public ActivationLayer {
 public:
  explicit Softmax(std::int64_t axis = -1, ActivationLayerOptions options = {});
  std::int64_t axis() const { return axis_; }

 private:
  std::int64_t axis_;
};

/// x_i - log sum_j e^x_j along `axis` (stable); pairs with nll_loss.
class LogSoftmax : public ActivationLayer {
 public:
  explicit LogSoftmax(std::int64_t axis = -1, ActivationLayerOptions options = {});
  std::int64_t axis() const { return axis_; }

 private:
  std::int64_t axis_;
};

}  // namespace xg::nn
