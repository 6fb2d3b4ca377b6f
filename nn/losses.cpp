#include <xgrad/nn/losses.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/functional.hpp>

#include <map>
#include <optional>

namespace xg::nn {
namespace {

Tensor reduce(const Tensor& per_sample, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return mean(per_sample);
    case Reduction::Sum: return sum(per_sample);
    case Reduction::None: return per_sample;
  }
  return per_sample;
}

// saved = {logits, target}. Per row: d/dx = g (softmax(x) sum(t) - t), d/dt = -g log_softmax(x).
std::vector<Tensor> softmax_cross_entropy_backward(autograd::Context& c, const Tensor& g) {
  const Tensor x = c.saved(0), t = c.saved(1);
  Shape column = g.shape();
  column.push_back(1);
  const Tensor gc = g.reshape(column);
  return {c.needs_input_grad(0) ? (functional::softmax(x, -1) * sum(t, {-1}, true) - t) * gc : Tensor(),
          c.needs_input_grad(1) ? -functional::log_softmax(x, -1) * gc : Tensor()};
}

// -sum(t * log_softmax(x)) over the last axis, one "SoftmaxCrossEntropy" node whose backward is
// the closed form above (no softmax, log or clip nodes in the graph).
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& target_in) {
  const Tensor target = target_in.to(logits.dtype());
  Tensor loss;
  {
    autograd::NoGradGuard no_grad;
    loss = -sum(target * functional::log_softmax(logits, -1), {-1});
  }
  if (auto* ctx = autograd::track("SoftmaxCrossEntropy", {logits, target}, loss, softmax_cross_entropy_backward))
    ctx->save_for_backward({logits, target});
  return loss;
}

std::string class_count(std::int64_t n) { return std::to_string(n) + (n == 1 ? " class" : " classes"); }

// Why a target does not match one-hot predictions [N, C], when the shapes say more than "differ".
std::string class_target_hint(const Shape& pred, const Shape& target) {
  if (pred.empty()) return "";
  const Shape batch(pred.begin(), pred.end() - 1);
  if (target == batch)
    return "; the target looks like class indices: use sparse_categorical_crossentropy, or one-hot encode it "
           "with xg::datasets::to_categorical(labels, " + std::to_string(pred.back()) + ")";
  if (target.size() == pred.size() && Shape(target.begin(), target.end() - 1) == batch)
    return "; the target has " + class_count(target.back()) + " but the predictions have " +
           std::to_string(pred.back()) + ": check the units of the last layer and the number of classes of the labels";
  return "";
}

// pred and target must have one shape; `class_targets` adds the hints of class-probability losses.
void check_same_shape(const char* op, const Tensor& pred, const Tensor& target, bool class_targets = false) {
  if (pred.shape() != target.shape())
    throw ShapeError(std::string(op) + ": prediction of shape " + shape_str(pred.shape()) + " and target of shape " +
                     shape_str(target.shape()) + " must have the same shape" +
                     (class_targets ? class_target_hint(pred.shape(), target.shape()) : std::string()));
}

// Validates class-index labels against [N, C] scores and returns them as [N, 1] for gather.
Tensor label_index(const char* op, const Tensor& scores, const Tensor& labels) {
  const std::string who = std::string(op) + ": ";
  if (labels.dtype() != Dtype::Int64)
    throw DtypeError(who + "labels must be int64 class indices, got " + std::string(dtype_name(labels.dtype())) +
                     " labels of shape " + shape_str(labels.shape()) +
                     (labels.shape() == scores.shape()
                          ? "; they look one-hot: use categorical_crossentropy for one-hot targets"
                          : "; convert class indices with labels.to(xg::kInt64) (one-hot targets go to "
                            "categorical_crossentropy)"));
  if (scores.dim() != 2)
    throw ShapeError(who + "expected predictions [N, C] (one row of class scores per sample), got shape " +
                     shape_str(scores.shape()));
  if (labels.shape() == scores.shape())
    throw ShapeError(who + "expected labels [N] (one class index per sample), got shape " +
                     shape_str(labels.shape()) +
                     ", the predictions' shape: one-hot targets go to categorical_crossentropy, or take "
                     "labels.argmax(1)");
  if (labels.dim() != 1 || labels.size(0) != scores.size(0))
    throw ShapeError(who + "expected labels [N] for predictions [N, C] = " + shape_str(scores.shape()) + ", got " +
                     shape_str(labels.shape()) +
                     (labels.dim() == 1 ? " (" + std::to_string(scores.size(0)) + " predictions but " +
                                              std::to_string(labels.size(0)) + " labels)"
                                        : std::string()));
  const std::int64_t classes = scores.size(1);
  const std::int64_t* p = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    if (p[i] < 0 || p[i] >= classes)
      throw IndexError(who + "label " + std::to_string(p[i]) + " at sample " + std::to_string(i) +
                       " is out of range for " + class_count(classes) + " (expected 0.." +
                       std::to_string(classes - 1) + ")" +
                       (p[i] >= classes ? "; the predictions have " + class_count(classes) +
                                              ": check the units of the last layer"
                                        : std::string()));
  return labels.reshape({labels.size(0), 1});
}

// Adds the batch axis to a single-sample call ([C] scores, [] label) and removes it from an
// unreduced result, so Reduction::None gives a 0-d loss like PyTorch.
template <class F> Tensor with_batch_axis(const Tensor& scores, const Tensor& labels, F&& f) {
  if (scores.dim() == 1 && labels.dim() == 0) {
    const Tensor out = f(scores.unsqueeze(0), labels.reshape({1}));
    return out.dim() == 1 ? out.reshape({}) : out;
  }
  return f(scores, labels);
}

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& labels, Reduction reduction) {
  return with_batch_axis(log_probs, labels, [&](const Tensor& lp, const Tensor& y) {
    const Tensor picked = gather(lp, 1, label_index("nll_loss", lp, y)).reshape({lp.size(0)});
    return reduce(-picked, reduction);
  });
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, CrossEntropyOptions options) {
  if (options.label_smoothing < 0 || options.label_smoothing > 1)
    throw ValueError("cross_entropy: label_smoothing must be in [0, 1], got " + std::to_string(options.label_smoothing));
  return with_batch_axis(logits, labels, [&](const Tensor& x, const Tensor& y) {
    const Tensor log_probs = functional::log_softmax(x, 1);
    Tensor per_sample = -gather(log_probs, 1, label_index("cross_entropy", x, y)).reshape({x.size(0)});
    if (options.label_smoothing > 0) {
      const double s = options.label_smoothing;
      per_sample = per_sample * (1.0 - s) - mean(log_probs, {1}) * s;
    }
    return reduce(per_sample, options.reduction);
  });
}

Tensor categorical_crossentropy(const Tensor& pred, const Tensor& target, ProbabilisticOptions options) {
  check_same_shape("categorical_crossentropy", pred, target, true);
  if (pred.dim() < 1) throw ShapeError("categorical_crossentropy: expected predictions [N, C], got a scalar");
  if (options.from_logits) return reduce(softmax_cross_entropy(pred, target), options.reduction);
  // Keras: the output of a softmax is traced back to its logits (exact and stable).
  if (const auto logits = functional::softmax_logits(pred))
    return reduce(softmax_cross_entropy(*logits, target), options.reduction);
  Tensor log_probs;
  {
    // Keras: renormalize along the class axis, then clip away from 0 and 1.
    const Tensor p = pred / sum(pred, {-1}, true);
    log_probs = log(clamp(p, kProbabilityEpsilon, 1.0 - kProbabilityEpsilon));
  }
  return reduce(-sum(target.to(log_probs.dtype()) * log_probs, {-1}), options.reduction);
}

Tensor sparse_categorical_crossentropy(const Tensor& pred, const Tensor& labels, ProbabilisticOptions options) {
  return with_batch_axis(pred, labels, [&](const Tensor& p, const Tensor& y) {
    const Tensor index = label_index("sparse_categorical_crossentropy", p, y);
    const std::optional<Tensor> logits = options.from_logits ? std::optional<Tensor>(p) : functional::softmax_logits(p);
    const Tensor log_probs =
        logits ? functional::log_softmax(*logits, 1)
               : log(clamp(p / sum(p, {1}, true), kProbabilityEpsilon, 1.0 - kProbabilityEpsilon));
    return reduce(-gather(log_probs, 1, index).reshape({p.size(0)}), options.reduction);
  });
}

namespace {
// Per-sample mean over the last axis (Keras averages elementwise losses over the last axis).
Tensor per_sample_mean(const Tensor& elementwise) {
  return elementwise.dim() <= 1 ? elementwise : mean(elementwise, {-1});
}
}  // namespace

Tensor binary_crossentropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  check_same_shape("binary_crossentropy_with_logits", logits, target);
  const Tensor t = target.to(logits.dtype());
  const Tensor elementwise = relu(logits) - logits * t + log1p(exp(-abs(logits)));
  return reduce(per_sample_mean(elementwise), reduction);
}

Tensor binary_crossentropy(const Tensor& pred, const Tensor& target, ProbabilisticOptions options) {
  if (options.from_logits) return binary_crossentropy_with_logits(pred, target, options.reduction);
  check_same_shape("binary_crossentropy", pred, target);
  const Tensor p = clamp(pred, kProbabilityEpsilon, 1.0 - kProbabilityEpsilon);
  const Tensor t = target.to(pred.dtype());
  const Tensor elementwise = -(t * log(p) + (1.0 - t) * log(1.0 - p));
  return reduce(per_sample_mean(elementwise), options.reduction);
}

Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction reduction) {
  check_same_shape("mse_loss", pred, target);
  return reduce(per_sample_mean(square(pred - target)), reduction);
}

Tensor mae_loss(const Tensor& pred, const Tensor& target, Reduction reduction) {
  check_same_shape("mae_loss", pred, target);
  return reduce(per_sample_mean(abs(pred - target)), reduction);
}

Tensor huber_loss(const Tensor& pred, const Tensor& target, double delta, Reduction reduction) {
  check_same_shape("huber_loss", pred, target);
  if (delta <= 0) throw ValueError("huber_loss: delta must be positive, got " + std::to_string(delta));
  const Tensor d = abs(pred - target);
  const Tensor quadratic = clamp(d, 0.0, delta);
  const Tensor linear_part = d - quadratic;
  return reduce(per_sample_mean(square(quadratic) * 0.5 + linear_part * delta), reduction);
}

namespace {
const std::map<std::string, std::function<Tensor(const Tensor&, const Tensor&)>>& registry() {
  using T = const Tensor&;
  static const auto* table = new std::map<std::string, std::function<Tensor(T, T)>>{
      {"categorical_crossentropy", [](T p, T t) { return categorical_crossentropy(p, t); }},
      {"sparse_categorical_crossentropy", [](T p, T t) { return sparse_categorical_crossentropy(p, t); }},
      {"binary_crossentropy", [](T p, T t) { return binary_crossentropy(p, t); }},
      {"mse", [](T p, T t) { return mse_loss(p, t); }},
      {"mean_squared_error", [](T p, T t) { return mse_loss(p, t); }},
      {"mae", [](T p, T t) { return mae_loss(p, t); }},
      {"mean_absolute_error", [](T p, T t) { return mae_loss(p, t); }},
      {"huber", [](T p, T t) { return huber_loss(p, t); }},
      {"cross_entropy", [](T p, T t) { return cross_entropy(p, t); }},
      {"nll", [](T p, T t) { return nll_loss(p, t); }},
  };
  return *table;
}
}  // namespace

Loss loss(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) throw_unknown_name("loss", name, loss_names());
  return {name, it->second};
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const auto& [n, f] : registry()) names.push_back(n);
  return names;
}

}  // namespace xg::nn
