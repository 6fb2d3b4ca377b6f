#pragma once
// train::Model — Keras' training API over any nn::Module:
//
//   xg::Sequential model{xg::nn::Dense(256, {.activation = "relu"}), xg::nn::Dense(10, {.activation = "softmax"})};
//   model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::Adam({.lr = 1e-3}),
//                  .metrics = {"accuracy"}});
//   auto history = model.fit(x_train, y_train, {.epochs = 5, .batch_size = 128, .validation_split = 0.2});
//   auto scores = model.evaluate(x_test, y_test);          // {"loss": ..., "accuracy": ...}
//   xg::Tensor probs = model.predict(x_test);
//
// A custom module is wrapped: `xg::train::Model model(std::make_shared<Net>());`.
// fit: the last validation_split fraction of (x, y) is held out before shuffling (as Keras); each
// epoch the training part is shuffled with a permutation that depends only on the seed and the
// epoch; metrics are averaged over the samples seen so far. predict and evaluate run in eval mode
// without building a graph.
#include <xgrad/core/tensor.hpp>
#include <xgrad/nn/losses.hpp>
#include <xgrad/nn/metrics.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/train/callbacks.hpp>
#include <xgrad/train/history.hpp>

#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xg::optim {
class Optimizer;
}
namespace xg::datasets {
struct Split;
}

namespace xg::train {

class ProgressBar;

/// A loss by Keras name or as a value.
struct LossSpec {
  nn::Loss loss;
  LossSpec(const char* name) : loss(nn::loss(name)) {}          // NOLINT: implicit by design
  LossSpec(const std::string& name) : loss(nn::loss(name)) {}   // NOLINT
  LossSpec(nn::Loss l) : loss(std::move(l)) {}                  // NOLINT
};

/// An optimizer by Keras name ("adam", "sgd", "rmsprop", ...) or as an object.
struct OptimizerSpec {
  std::shared_ptr<optim::Optimizer> optimizer;
  OptimizerSpec(const char* name);                                   // NOLINT: implicit by design
  OptimizerSpec(const std::string& name);                            // NOLINT
  OptimizerSpec(std::shared_ptr<optim::Optimizer> o) : optimizer(std::move(o)) {}  // NOLINT
  /// A shared optimizer of a concrete type (std::shared_ptr<optim::SGD>), kept by the caller.
  template <class O>
    requires std::derived_from<O, optim::Optimizer>
  OptimizerSpec(std::shared_ptr<O> o) : optimizer(std::move(o)) {}  // NOLINT
  template <class O>
    requires std::derived_from<std::decay_t<O>, optim::Optimizer>
  OptimizerSpec(O&& o) : optimizer(std::make_shared<std::decay_t<O>>(std::forward<O>(o))) {}  // NOLINT
};

/// A metric by Keras name or as a value.
struct MetricSpec {
  nn::Metric metric;
  MetricSpec(const char* name) : metric(nn::metric(name)) {}         // NOLINT
  MetricSpec(const std::string& name) : metric(nn::metric(name)) {}  // NOLINT
  MetricSpec(nn::Metric m) : metric(std::move(m)) {}                 // NOLINT
};

struct CompileOptions {
  LossSpec loss = "categorical_crossentropy";
  OptimizerSpec optimizer = "rmsprop";  // Keras' default
  std::vector<MetricSpec> metrics;
};

struct ValidationData {
  Tensor x;
  Tensor y;
};

struct FitOptions {
  int epochs = 1;
  std::int64_t batch_size = 32;
  /// Fraction of the data (taken from the END, before shuffling) held out for validation.
  double validation_split = 0.0;
  /// Explicit validation set (takes precedence over validation_split).
  std::optional<ValidationData> validation_data;
  /// Reshuffle the training part every epoch.
  bool shuffle = true;
  /// 0 silent, 1 progress bar (plain lines when stdout is not a terminal), 2 one line per epoch.
  int verbose = 1;
  std::vector<std::shared_ptr<Callback>> callbacks;
  /// Epoch to start at (for resuming): epochs run from initial_epoch to epochs - 1.
  int initial_epoch = 0;
  /// Shuffle seed; 0 draws one from the global generator (xg::manual_seed).
  std::uint64_t seed = 0;
};

struct EvaluateOptions {
  std::int64_t batch_size = 32;
  int verbose = 0;
};

struct PredictOptions {
  std::int64_t batch_size = 32;
};

class Model {
 public:
  /// Wraps a module (shared: the caller may keep using it).
  explicit Model(std::shared_ptr<nn::Module> module);
  virtual ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  /// The network being trained.
  virtual nn::Module& network();
  const nn::Module& network() const { return const_cast<Model*>(this)->network(); }

  /// Sets loss, optimizer and metrics. The optimizer is bound to the parameters at fit time (the
  /// weights of lazily built layers exist only after the first forward).
  void compile(CompileOptions options);
  bool compiled() const { return compiled_; }

  /// Runs one forward pass on zeros of shape [1, input_shape...] so every layer creates its weights
  /// and records its output shape (summary, plot_model).
  void build(const Shape& input_shape);

  History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
  /// Trains on a dataset split (images, labels) as given.
  History fit(const datasets::Split& data, FitOptions options = {});

  /// Loss and metrics over (x, y), averaged over samples.
  std::map<std::string, double> evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options = {});
  std::map<std::string, double> evaluate(const datasets::Split& data, EvaluateOptions options = {});

  /// Outputs for x in eval mode, batch by batch, without recording a graph.
  Tensor predict(const Tensor& x, PredictOptions options = {});

  /// Keras' summary table: layer (type), output shape, parameter count, totals.
  std::string summary() const;
  void print_summary(std::ostream& out) const;

  optim::Optimizer& optimizer();
  const nn::Loss& loss() const { return loss_; }
  /// Set by a callback to stop fit after the current epoch (Keras' model.stop_training).
  bool stop_training = false;

 protected:
  /// For subclasses that are themselves the module (xg::Sequential).
  Model();
  /// The layers listed by summary(): the network's children by default.
  virtual std::vector<const nn::Module*> summary_rows() const;

 private:
  struct EpochPlan {
    std::int64_t batch_size;
    bool shuffle;
    std::uint64_t seed;
    int epoch;
  };
  std::map<std::string, double> train_epoch(const Tensor& x, const Tensor& y, const EpochPlan& plan,
                                            ProgressBar& bar,
                                            const std::vector<std::shared_ptr<Callback>>& callbacks);
  std::map<std::string, double> batch_metrics(const Tensor& pred, const Tensor& y) const;
  /// Runs one sample through the network in eval mode without a graph (so lazily built layers create
  /// their weights) and hands all parameters to the optimizer (once per compile).
  void bind_optimizer(const Tensor& sample);
  void require_compiled(const char* what) const;

  std::shared_ptr<nn::Module> module_;
  bool compiled_ = false;
  bool bound_ = false;
  nn::Loss loss_;
  std::shared_ptr<optim::Optimizer> optimizer_;
  std::vector<nn::Metric> metrics_;
};

}  // namespace xg::train
