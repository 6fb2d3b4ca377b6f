#include <xgrad/nn/metrics.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>

#include <algorithm>
#include <map>
#include <numeric>

namespace xg::nn {
namespace {

// Class index per sample from a target that is int64 labels [N] or scores [N, C].
std::vector<std::int64_t> target_classes(const char* op, const Tensor& pred, const Tensor& target) {
  if (target.dtype() == Dtype::Int64 && target.dim() == 1 && target.size(0) == pred.size(0))
    return target.to_vector<std::int64_t>();
  if (target.shape() == pred.shape()) return argmax(target, -1).to_vector<std::int64_t>();
  throw ShapeError(std::string(op) + ": target of shape " + shape_str(target.shape()) + " does not match prediction " +
                   shape_str(pred.shape()) + " (expected int64 labels [N] or one-hot [N, C])");
}

}  // namespace

double accuracy(const Tensor& pred_in, const Tensor& target) {
  NoGradGuard no_grad;
  const Tensor pred = pred_in.detach();
  if (pred.numel() == 0) return 0.0;
  const bool binary = pred.dim() == 1 || (pred.dim() == 2 && pred.size(1) == 1);
  if (binary) {
    const auto p = pred.to_vector<double>();
    const auto t = target.to_vector<double>();
    if (p.size() != t.size())
      throw ShapeError("accuracy: binary prediction " + shape_str(pred.shape()) + " and target " +
                       shape_str(target.shape()) + " differ in size");
    std::int64_t correct = 0;
    for (std::size_t i = 0; i < p.size(); ++i) correct += (p[i] > 0.5) == (t[i] > 0.5);
    return static_cast<double>(correct) / static_cast<double>(p.size());
  }
  if (pred.dim() != 2) throw ShapeError("accuracy: expected predictions [N, C], got " + shape_str(pred.shape()));
  const auto truth = target_classes("accuracy", pred, target);
  const auto guess = argmax(pred, -1).to_vector<std::int64_t>();
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < guess.size(); ++i) correct += guess[i] == truth[i];
  return static_cast<double>(correct) / static_cast<double>(guess.size());
}

double top_k_accuracy(const Tensor& pred_in, const Tensor& target, std::int64_t k) {
  NoGradGuard no_grad;
  const Tensor pred = pred_in.detach();
  if (pred.dim() != 2) throw ShapeError("top_k_accuracy: expected predictions [N, C], got " + shape_str(pred.shape()));
  if (k <= 0) throw ValueError("top_k_accuracy: k must be positive, got " + std::to_string(k));
  const auto truth = target_classes("top_k_accuracy", pred, target);
  const auto scores = pred.to_vector<double>();
  const std::int64_t n = pred.size(0), c = pred.size(1);
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double s = scores[i * c + truth[i]];
    std::int64_t better = 0;  // classes scoring strictly higher than the true one
    for (std::int64_t j = 0; j < c; ++j) better += scores[i * c + j] > s;
    hits += better < k;
  }
  return n == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(n);
}

Tensor confusion_matrix(const Tensor& pred, const Tensor& target, std::int64_t num_classes) {
  NoGradGuard no_grad;
  const auto truth = target_classes("confusion_matrix", pred, target);
  const auto guess = pred.dtype() == Dtype::Int64 && pred.dim() == 1 ? pred.to_vector<std::int64_t>()
                                                                      : argmax(pred.detach(), -1).to_vector<std::int64_t>();
  Tensor counts = zeros({num_classes, num_classes}, {.dtype = Dtype::Int64});
  std::int64_t* p = counts.data<std::int64_t>();
  for (std::size_t i = 0; i < guess.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= num_classes || guess[i] < 0 || guess[i] >= num_classes)
      throw IndexError("confusion_matrix: class " + std::to_string(std::max(truth[i], guess[i])) +
                       " at sample " + std::to_string(i) + " is out of range for " + std::to_string(num_classes) +
                       " classes");
    ++p[truth[i] * num_classes + guess[i]];
  }
  return counts;
}

namespace {
const std::map<std::string, std::function<double(const Tensor&, const Tensor&)>>& registry() {
  using T = const Tensor&;
  static const auto* table = new std::map<std::string, std::function<double(T, T)>>{
      {"accuracy", [](T p, T t) { return accuracy(p, t); }},
      {"acc", [](T p, T t) { return accuracy(p, t); }},
      {"sparse_categorical_accuracy", [](T p, T t) { return accuracy(p, t); }},
      {"categorical_accuracy", [](T p, T t) { return accuracy(p, t); }},
      {"top_k_categorical_accuracy", [](T p, T t) { return top_k_accuracy(p, t, 5); }},
  };
  return *table;
}
}  // namespace

Metric metric(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) throw_unknown_name("metric", name, metric_names());
  return {name == "acc" ? "accuracy" : name, it->second};
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const auto& [n, f] : registry()) names.push_back(n);
  return names;
}

}  // namespace xg::nn
