#pragma once
// Loss functions, PyTorch and Keras flavours, each with reduction mean (default), sum or none.
//
//   Tensor loss = nn::cross_entropy(logits, labels);                 // logits [N, C], labels int64 [N]
//   Tensor loss = nn::categorical_crossentropy(probs, one_hot);       // Keras: probabilities [N, C]
//   auto loss_fn = nn::loss("sparse_categorical_crossentropy");      // by Keras name
//
// Probability-based losses clip predictions to [eps, 1 - eps] (eps = 1e-7, as Keras) before the
// log; logit-based ones use a fused, stable log-softmax / log-sigmoid.
#include <xgrad/core/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xg::nn {

enum class Reduction { Mean, Sum, None };

/// Probability clipping epsilon of the Keras-style losses.
inline constexpr double kProbabilityEpsilon = 1e-7;

struct CrossEntropyOptions {
  Reduction reduction = Reduction::Mean;
  /// Mixes the one-hot target with the uniform distribution: (1 - s) onehot + s / C.
  double label_smoothing = 0.0;
};
/// -log softmax(logits)[label], logits [N, C] (or [C]), labels int64 [N] (or []).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, CrossEntropyOptions options = {});
/// -log_probs[label]: the input is already log-probabilities [N, C].
Tensor nll_loss(const Tensor& log_probs, const Tensor& labels, Reduction reduction = Reduction::Mean);

struct ProbabilisticOptions {
  Reduction reduction = Reduction::Mean;
  /// The predictions are logits rather than probabilities.
  bool from_logits = false;
};
/// -sum_c target_c log(pred_c) per sample: pred and target [N, C], target one-hot (or soft).
Tensor categorical_crossentropy(const Tensor& pred, const Tensor& target, ProbabilisticOptions options = {});
/// categorical_crossentropy with integer labels [N] instead of one-hot targets.
Tensor sparse_categorical_crossentropy(const Tensor& pred, const Tensor& labels, ProbabilisticOptions options = {});
/// -(t log p + (1 - t) log(1 - p)) elementwise, averaged over the last axis per sample.
Tensor binary_crossentropy(const Tensor& pred, const Tensor& target, ProbabilisticOptions options = {});
/// binary_crossentropy on logits, computed stably as max(x, 0) - x t + log(1 + e^-|x|).
Tensor binary_crossentropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean);

/// (pred - target)^2.
Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction reduction = Reduction::Mean);
/// |pred - target|.
Tensor mae_loss(const Tensor& pred, const Tensor& target, Reduction reduction = Reduction::Mean);
/// 0.5 d^2 for |d| <= delta, delta (|d| - 0.5 delta) otherwise, d = pred - target.
Tensor huber_loss(const Tensor& pred, const Tensor& target, double delta = 1.0, Reduction reduction = Reduction::Mean);

/// A loss as a value: its name and fn(prediction, target) -> scalar (mean reduction).
struct Loss {
  std::string name;
  std::function<Tensor(const Tensor&, const Tensor&)> fn;
  Tensor operator()(const Tensor& pred, const Tensor& target) const { return fn(pred, target); }
};
/// The loss named `name` (Keras names: "categorical_crossentropy", "sparse_categorical_crossentropy",
/// "binary_crossentropy", "mse" / "mean_squared_error", "mae" / "mean_absolute_error", "huber";
/// PyTorch: "cross_entropy", "nll"). Unknown names throw, listing the valid ones.
Loss loss(const std::string& name);
std::vector<std::string> loss_names();

}  // namespace xg::nn
