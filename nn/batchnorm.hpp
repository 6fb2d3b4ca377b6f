#pragma once
// Batch normalization over the channel axis (axis 1), PyTorch conventions:
//
//   nn::BatchNorm1d(64)      input [N, C] or [N, C, L]
//   nn::BatchNorm2d(32)      input [N, C, H, W]
//
//   y = (x - mean) / sqrt(var + eps) * weight + bias        (per channel)
//
// Training mode normalizes with the batch statistics over every axis but 1 (biased variance) and
// updates the buffers running_mean / running_var (unbiased variance) by
//   running = (1 - momentum) * running + momentum * batch
// (momentum = std::nullopt: cumulative average over num_batches_tracked batches). Eval mode uses the
// running statistics. Everything is composed of differentiable ops (mean, var, rsqrt, broadcast
// arithmetic), so first and second derivatives flow to the input, weight and bias.
#include <xgrad/nn/module.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace xg::nn {

namespace functional {
/// Batch normalization of x [N, C, ...] over every axis but 1. With `training` (or without running
/// statistics) the batch mean and biased variance are used, and running_mean / running_var [C], when
/// defined, are updated in place: running = (1 - momentum) running + momentum batch (unbiased batch
/// variance). Otherwise the running statistics are used. weight / bias [C] may be undefined (no
/// affine transform). Throws ShapeError on a channel mismatch and ValueError when training on one
/// value per channel.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);
}  // namespace functional

struct BatchNormOptions {
  /// Added to the variance before the square root.
  double eps = 1e-5;
  /// Weight of the new batch in the running statistics (PyTorch convention: Keras' momentum 0.99 is
  /// 0.01 here); std::nullopt for a cumulative moving average.
  std::optional<double> momentum = 0.1;
  /// Learnable per-channel weight (initialized to 1) and bias (initialized to 0).
  bool affine = true;
  /// Keep running_mean / running_var / num_batches_tracked buffers; without them eval mode also uses
  /// batch statistics.
  bool track_running_stats = true;
  /// dtype of the parameters and buffers (float64 for gradient checks).
  Dtype dtype = Dtype::Float32;
  /// Layer name; "" gives an automatic one ("batch_norm1d_1").
  std::string name;
};

/// Shared implementation of BatchNorm1d / BatchNorm2d; num_features = -1 infers C from the first input.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;

  /// Creates the parameters and buffers for C channels (the first forward does it when lazy).
  void build(std::int64_t num_features);
  bool built() const { return num_features_ > 0; }
  std::int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }

  Tensor weight;               ///< [C], when affine
  Tensor bias;                 ///< [C], when affine
  Tensor running_mean;         ///< [C], when track_running_stats
  Tensor running_var;          ///< [C], when track_running_stats
  Tensor num_batches_tracked;  ///< int64 scalar, when track_running_stats

 protected:
  /// `ranks` lists the accepted input ranks; `layout` describes them for errors ("[N, C, H, W]").
  BatchNorm(std::string type, std::int64_t num_features, BatchNormOptions options, std::vector<std::int64_t> ranks,
            std::string layout);

 private:
  std::int64_t num_features_ = -1;
  bool built_lazily_ = false;  ///< the first forward inferred num_features
  BatchNormOptions options_;
  std::vector<std::int64_t> ranks_;
  std::string layout_;
};

/// Batch normalization of [N, C] or [N, C, L] inputs.
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, BatchNormOptions options = {});
};

/// Batch normalization of [N, C, H, W] inputs (per channel, over N, H and W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, BatchNormOptions options = {});
};

}  // namespace xg::nn
