#pragma once
// Metrics: plain numbers computed without recording a graph, averaged by Model over samples.
//
//   double acc = nn::accuracy(probs, labels);           // labels int64 [N] or one-hot [N, C]
//   auto m = nn::metric("accuracy");                      // by Keras name
#include <xgrad/core/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xg::nn {

/// Fraction of samples whose arg-max prediction matches the target. The target may be int64 class
/// indices [N] (sparse), one-hot / soft [N, C] (categorical), or — for a prediction of shape [N] or
/// [N, 1] — binary 0/1 targets compared with pred > 0.5.
double accuracy(const Tensor& pred, const Tensor& target);
/// Fraction of samples whose target class is among the k highest scores.
double top_k_accuracy(const Tensor& pred, const Tensor& target, std::int64_t k = 5);
/// counts[t][p]: samples of true class t predicted as p (int64 [C, C]).
Tensor confusion_matrix(const Tensor& pred, const Tensor& target, std::int64_t num_classes);

/// A metric as a value: its display name and fn(prediction, target) -> batch mean.
struct Metric {
  std::string name;
  std::function<double(const Tensor&, const Tensor&)> fn;
  double operator()(const Tensor& pred, const Tensor& target) const { return fn(pred, target); }
};
/// Keras names: "accuracy" / "acc", "sparse_categorical_accuracy", "categorical_accuracy",
/// "top_k_categorical_accuracy" (k = 5). Unknown names throw, listing the valid ones.
Metric metric(const std::string& name);
std::vector<std::string> metric_names();

}  // namespace xg::nn
