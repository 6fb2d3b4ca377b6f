#pragma once
// Fully connected layers: Keras' Dense (options by name, lazy input size) and PyTorch's Linear.
// Weight layout is PyTorch's [out_features, in_features]; y = x W^T + b is one GEMM with a
// transpose flag; relu / tanh / sigmoid are fused into that node (xg::linear with an Activation).
#include <xgrad/nn/init.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/nn/activations.hpp>
#include <xgrad/nn/transposed_weight.hpp>

#include <cstdint>
#include <string>

namespace xg::nn {

struct DenseOptions {
  /// Input features; -1 infers them from the first input (Keras input_dim).
  std::int64_t in_features = -1;
  /// Keras activation name ("relu", "softmax", ...); "" or "linear" for none.
  std::string activation;
  bool use_bias = true;
  init::Initializer kernel_initializer = "glorot_uniform";
  init::Initializer bias_initializer = "zeros";
  /// Layer name; "" gives an automatic one ("dense_1").
  std::string name;
};

/// y = activation(x W^T + b) on the last axis of x: [N, ..., in] -> [N, ..., units]. As in Keras
/// the input must have a batch axis (rank >= 2); an input of the wrong size throws a
/// LayerShapeError naming the layer, the expected and the received shapes.
class Dense : public Module {
 public:
  explicit Dense(std::int64_t units, DenseOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;

  /// Creates weight [units, in_features] and bias [units] (the first forward does it when lazy).
  void build(std::int64_t in_features);
  bool built() const { return weight.defined(); }
  std::int64_t units() const { return units_; }
  std::int64_t in_features() const { return in_features_; }
  const std::string& activation_name() const { return activation_name_; }
  /// Memory held by the transposed weight copy of one-sample inference (0 when there is none; see
  /// nn/transposed_weight.hpp).
  std::size_t inference_copy_bytes() const { return transposed_weight_.bytes(); }

  Tensor weight;
  Tensor bias;

 protected:
  Dense(std::string type, std::int64_t units, DenseOptions options);
  /// Lowest input rank forward() accepts: 2 for Dense (a batch), 1 for Linear.
  std::int64_t min_rank_ = 2;

 private:
  std::int64_t units_;
  std::int64_t in_features_ = -1;
  bool built_lazily_ = false;  ///< the first forward created the weights
  bool use_bias_;
  std::string activation_name_;
  ActivationFn activation_;
  init::Initializer kernel_initializer_, bias_initializer_;
  TransposedWeightCache transposed_weight_;  ///< single-sample inference (nn/transposed_weight.hpp)
};

/// PyTorch's Linear(in_features, out_features, bias): weight and bias drawn from
/// U(-1/sqrt(in), 1/sqrt(in)), no activation. Also takes one unbatched sample [in_features].
class Linear : public Dense {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  std::string describe() const override;
};

}  // namespace xg::nn
