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
//
// Checkpoints (docs/checkpoints.md): save_checkpoint writes weights, optimizer, LR scheduler, RNG,
// epoch/batch position, shuffle seed and the History so far; fit({.resume_from = path}) on a model
// of the same architecture continues the run bitwise identically to one that was never stopped.
//
// Distributed (docs/distributed.md): under `mpirun -np N`, fit({.distributed = true}) trains on N
// ranks: batch_size is per rank, each step every rank takes its share of one global batch of
// N x batch_size samples of the same seeded shuffle, gradients are averaged over the ranks after
// backward (xg::distributed::DataParallel), and the logs are reduced over all ranks, so every rank
// sees the same logs and takes the same decisions. Only rank 0 prints, writes checkpoints and CSV
// logs (is_root()).
#include <xgrad/core/tensor.hpp>
#include <xgrad/io/checkpoint.hpp>
#include <xgrad/nn/losses.hpp>
#include <xgrad/nn/metrics.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/train/callbacks.hpp>
#include <xgrad/train/history.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace xg::optim {
class Optimizer;
class LRScheduler;
}  // namespace xg::optim
namespace xg::datasets {
struct Split;
}
namespace xg::distributed {
class DataParallel;
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

/// An LR scheduler for the compiled optimizer: one already built on it, or a function that builds
/// one on it (useful when the optimizer is given by name):
///   .lr_scheduler = [](xg::optim::Optimizer& o) { return std::make_shared<xg::optim::StepLR>(o, 2, 0.5); }
struct SchedulerSpec {
  std::function<std::shared_ptr<optim::LRScheduler>(optim::Optimizer&)> make;
  SchedulerSpec() = default;
  SchedulerSpec(std::nullptr_t) {}  // NOLINT: implicit by design
  template <class S>
    requires std::derived_from<S, optim::LRScheduler>
  SchedulerSpec(std::shared_ptr<S> s)  // NOLINT: implicit by design
      : make([s = std::shared_ptr<optim::LRScheduler>(std::move(s))](optim::Optimizer&) { return s; }) {}
  template <class F>
    requires std::is_invocable_r_v<std::shared_ptr<optim::LRScheduler>, F, optim::Optimizer&>
  SchedulerSpec(F f) : make(std::move(f)) {}  // NOLINT: implicit by design
};

struct CompileOptions {
  LossSpec loss = "categorical_crossentropy";
  OptimizerSpec optimizer = "rmsprop";  // Keras' default
  std::vector<MetricSpec> metrics;
  /// Stepped by fit after every epoch (after validation); the epoch's lr is logged as "lr".
  SchedulerSpec lr_scheduler = nullptr;
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
  /// A checkpoint (save_checkpoint, ModelCheckpoint with save_weights_only = false) to continue
  /// from: weights, optimizer, scheduler, RNG, shuffle seed, position and History are restored and
  /// training goes on at the saved epoch and batch (initial_epoch and seed are then ignored). The
  /// returned History includes the epochs recorded before the checkpoint.
  std::string resume_from;
  /// Data-parallel training over the ranks of an MPI job (xg::distributed::init() is called when
  /// needed): rank 0's weights and shuffle seed are used everywhere, every rank must call fit with
  /// the same data and options, and W ranks x batch_size B train as one process with batch W x B.
  /// The validation set is split over the ranks too. A world of one rank trains as without it.
  bool distributed = false;
};

struct EvaluateOptions {
  std::int64_t batch_size = 32;
  int verbose = 0;
  /// Each rank of an MPI job evaluates its share of the rows; every rank returns the means over
  /// all of them (collective: every rank calls evaluate with the same data).
  bool distributed = false;
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
  /// The compiled LR scheduler, or nullptr.
  optim::LRScheduler* lr_scheduler() const { return scheduler_.get(); }
  const nn::Loss& loss() const { return loss_; }

  /// Writes a training checkpoint to `path` atomically (the previous file survives a failed
  /// write): weights, optimizer and scheduler state, the global RNG, progress() and history().
  /// Callable from callbacks during fit (on_epoch_end, on_batch_end) and after it. Throws
  /// ValueError before the first fit or load_checkpoint (the optimizer is not bound yet). Writes
  /// nothing where is_root() is false (the other ranks of a distributed fit).
  void save_checkpoint(const std::string& path);
  /// Restores a checkpoint into this compiled model (same architecture, optimizer and scheduler
  /// types): weights, optimizer, scheduler, the global RNG, progress() and history(). Throws
  /// io::FormatError for a malformed file and ValueError naming the mismatching parameter or state.
  /// A later fit continues from the checkpoint only with FitOptions::resume_from.
  void load_checkpoint(const std::string& path);
  /// Where training stands: the epoch in progress or next, batches done in it, optimizer steps,
  /// the shuffle seed and the running sums of the epoch in progress.
  const io::TrainingProgress& progress() const { return progress_; }
  /// The History of the fit in progress or of the last one (with the epochs of a resumed run).
  const History& history() const { return history_; }
  /// Set by a callback to stop fit after the current epoch (Keras' model.stop_training). In a
  /// distributed fit, training stops on every rank when a callback sets it on any.
  bool stop_training = false;
  /// False only on the ranks other than 0 of a distributed fit (the one in progress or the last):
  /// they print nothing, and save_checkpoint, ModelCheckpoint and CSVLogger write nothing there.
  bool is_root() const { return root_; }

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
  /// One optimizer step on rows [first, last) of the epoch order (may be empty on a rank of a
  /// distributed fit); returns the loss and metrics, averaged over all ranks when distributed.
  std::map<std::string, double> train_step(const Tensor& x, const Tensor& y, const std::vector<std::int64_t>* order,
                                           std::int64_t first, std::int64_t last);
  std::map<std::string, double> batch_metrics(const Tensor& pred, const Tensor& y) const;
  /// The loss and every metric at 0: the logs of a rank without samples.
  std::map<std::string, double> zero_metrics() const;
  /// Joins the MPI job for a distributed fit and wraps the network in replicas_ (broadcasting
  /// rank 0's weights); clears both otherwise.
  void setup_replicas(bool distributed);
  /// Runs one sample through the network in eval mode without a graph (so lazily built layers create
  /// their weights) and hands all parameters to the optimizer (once per compile).
  void bind_optimizer(const Tensor& sample);
  void require_compiled(const char* what) const;
  /// Epoch-end bookkeeping: scheduler step, History, progress moves to the next epoch.
  void finish_epoch(int epoch, Logs& logs);

  /// The training data layout of the fit in progress, saved with checkpoints: resuming in the middle
  /// of an epoch needs the same one.
  struct FitLayout {
    std::int64_t samples = 0;
    std::int64_t batch_size = 0;
    bool shuffle = true;
  };
  /// Layout of a checkpoint as saved in its extra entries (-1 where absent).
  static FitLayout saved_layout(const io::CheckpointState& state);
  /// Restores `path` for fit, after checking a mid-epoch position against `layout`; returns the
  /// checkpoint's extra entries (the callbacks' states, applied by restore_callbacks).
  io::Metadata resume(const std::string& path, const FitLayout& layout);
  /// Hands each callback of the fit the state saved for its position (after on_train_begin).
  static void restore_callbacks(const std::vector<std::shared_ptr<Callback>>& callbacks, const io::Metadata& extra);
  /// Puts a loaded checkpoint into the bound optimizer, the network, progress_ and history_.
  void apply_checkpoint(const io::CheckpointState& state, const std::string& path);

  std::shared_ptr<nn::Module> module_;
  bool compiled_ = false;
  bool bound_ = false;
  nn::Loss loss_;
  std::shared_ptr<optim::Optimizer> optimizer_;
  std::shared_ptr<optim::LRScheduler> scheduler_;
  std::vector<nn::Metric> metrics_;
  io::TrainingProgress progress_;
  History history_;
  FitLayout layout_;
  /// The callbacks of the fit in progress (their states go into checkpoints), else null.
  const std::vector<std::shared_ptr<Callback>>* callbacks_ = nullptr;
  /// The network's replicas during a distributed fit, else null.
  std::shared_ptr<distributed::DataParallel> replicas_;
  bool root_ = true;
};

}  // namespace xg::train
