#include <xgrad/train/model.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/random.hpp>
#include <xgrad/datasets/mnist.hpp>
#include <xgrad/distributed/data_parallel.hpp>
#include <xgrad/distributed/runtime.hpp>
#include <xgrad/distributed/sampler.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/make_optimizer.hpp>
#include <xgrad/optim/optimizer.hpp>
#include <xgrad/train/progress.hpp>
#include <xgrad/train/summary.hpp>

#include <cmath>
#include <iostream>
#include <numeric>

namespace xg::train {
namespace {

// Restores the module's training flag when a scope ends.
class ModeGuard {
 public:
  ModeGuard(nn::Module& m, bool training) : module_(m), previous_(m.is_training()) { module_.train(training); }
  ~ModeGuard() { module_.train(previous_); }

 private:
  nn::Module& module_;
  bool previous_;
};

void check_samples(const char* op, const Tensor& x, const Tensor& y) {
  if (!x.defined() || !y.defined()) throw ValueError(std::string(op) + ": x and y must be defined tensors");
  if (x.dim() == 0 || y.dim() == 0) throw ShapeError(std::string(op) + ": x and y need a leading sample axis");
  if (x.size(0) != y.size(0))
    throw ShapeError(std::string(op) + ": x has " + std::to_string(x.size(0)) + " samples (shape " +
                     shape_str(x.shape()) + ") but y has " + std::to_string(y.size(0)) + " (shape " +
                     shape_str(y.shape()) + ")");
  if (x.size(0) == 0)
    throw ValueError(std::string(op) + ": no samples: x has shape " + shape_str(x.shape()) + " and y has shape " +
                     shape_str(y.shape()) + "; expected at least one sample along the first axis");
}

// Permutation of [0, n) for one epoch: a function of (seed, epoch) only.
std::vector<std::int64_t> epoch_permutation(std::int64_t n, std::uint64_t seed, int epoch) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  const GeneratorState block{seed, static_cast<std::uint64_t>(epoch) << 40};
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(perm[i], perm[random::bits(block, static_cast<std::uint64_t>(i)) % static_cast<std::uint64_t>(i + 1)]);
  return perm;
}

// Rows [begin, end) of the epoch order: a zero-copy slice when the order is the identity.
Tensor take_rows(const Tensor& t, const std::vector<std::int64_t>* order, std::int64_t begin, std::int64_t end) {
  if (!order) return slice(t, 0, begin, end);
  std::vector<std::int64_t> idx(order->begin() + begin, order->begin() + end);
  return index_select(t, 0, from_vector(idx, {end - begin}));
}

// Running sample-weighted means of the loss and metrics.
struct Averages {
  std::map<std::string, double> sums = {};
  std::int64_t count = 0;
  void add(const std::map<std::string, double>& batch, std::int64_t n) {
    for (const auto& [k, v] : batch) sums[k] += v * static_cast<double>(n);
    count += n;
  }
  std::map<std::string, double> means() const {
    std::map<std::string, double> out;
    for (const auto& [k, v] : sums) out[k] = count ? v / static_cast<double>(count) : 0.0;
    return out;
  }
};

}  // namespace

OptimizerSpec::OptimizerSpec(const char* name) : optimizer(optim::make_optimizer(name)) {}
OptimizerSpec::OptimizerSpec(const std::string& name) : optimizer(optim::make_optimizer(name)) {}

Model::Model(std::shared_ptr<nn::Module> module) : module_(std::move(module)), loss_(nn::loss("mse")) {
  if (!module_) throw ValueError("Model: the module is null");
}
Model::Model() : loss_(nn::loss("mse")) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

nn::Module& Model::network() {
  if (!module_) throw ValueError("Model: no module");
  return *module_;
}

void Model::compile(CompileOptions options) {
  if (!options.optimizer.optimizer) throw ValueError("compile: the optimizer is null");
  loss_ = std::move(options.loss.loss);
  std::shared_ptr<optim::LRScheduler> scheduler;
  if (options.lr_scheduler.make) {
    scheduler = options.lr_scheduler.make(*options.optimizer.optimizer);
    if (!scheduler) throw ValueError("compile: the lr_scheduler function returned null");
    if (&scheduler->optimizer() != options.optimizer.optimizer.get())
      throw ValueError("compile: the lr_scheduler (" + scheduler->name() + ") drives another optimizer than the " +
                       options.optimizer.optimizer->name() + " being compiled; build it on that optimizer");
  }
  optimizer_ = std::move(options.optimizer.optimizer);
  scheduler_ = std::move(scheduler);
  progress_ = {};
  history_ = History();
  metrics_.clear();
  for (auto& m : options.metrics) metrics_.push_back(std::move(m.metric));
  compiled_ = true;
  bound_ = false;
}

void Model::require_compiled(const char* what) const {
  if (!compiled_)
    throw ValueError(std::string(what) + ": the model must be compiled first (model.compile({.loss = ..., "
                     ".optimizer = ...}))");
}

optim::Optimizer& Model::optimizer() {
  require_compiled("optimizer");
  return *optimizer_;
}

void Model::build(const Shape& input_shape) {
  Shape shape{1};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  NoGradGuard no_grad;
  ModeGuard mode(network(), false);
  network()(zeros(shape));
}

void Model::bind_optimizer(const Tensor& sample) {
  if (bound_) return;
  {
    // Lazily built layers create their weights on their first forward. Any layer may be lazy (e.g. a
    // Dense after one with in_features), so always run this one-sample probe, not only when the
    // network has no parameters yet: otherwise the optimizer would miss the late layers' weights.
    NoGradGuard no_grad;
    ModeGuard mode(network(), false);
    network()(slice(sample, 0, 0, 1));
  }
  optimizer_->set_parameters(network().parameters());
  bound_ = true;
}

std::map<std::string, double> Model::batch_metrics(const Tensor& pred, const Tensor& y) const {
  std::map<std::string, double> values;
  for (const auto& m : metrics_) values[m.name] = m(pred, y);
  return values;
}

std::map<std::string, double> Model::zero_metrics() const {
  std::map<std::string, double> values{{"loss", 0.0}};
  for (const auto& m : metrics_) values[m.name] = 0.0;
  return values;
}

void Model::setup_replicas(bool distributed) {
  replicas_.reset();
  root_ = !distributed || distributed::is_root();
  if (!distributed) return;
  // Non-owning: the network outlives the fit that uses the replicas.
  replicas_ = std::make_shared<distributed::DataParallel>(std::shared_ptr<nn::Module>(std::shared_ptr<void>(), &network()));
}

std::map<std::string, double> Model::train_step(const Tensor& x, const Tensor& y, const std::vector<std::int64_t>* order,
                                                std::int64_t first, std::int64_t last) {
  optimizer_->zero_grad();
  if (replicas_) replicas_->begin_step(last - first);
  Tensor pred, yb, loss;
  if (last > first) {  // a rank of a distributed fit may have no rows in the last batch
    const Tensor xb = take_rows(x, order, first, last);
    yb = take_rows(y, order, first, last);
    pred = network()(xb);
    loss = loss_(pred, yb);
    loss.backward();
  }
  if (replicas_) replicas_->synchronize();
  optimizer_->step();
  auto values = loss.defined() ? batch_metrics(pred, yb) : zero_metrics();
  if (loss.defined()) values["loss"] = loss.item();
  return replicas_ ? distributed::mean(values, last - first) : values;
}

std::map<std::string, double> Model::train_epoch(const Tensor& x, const Tensor& y, const EpochPlan& plan,
                                                 ProgressBar& bar,
                                                 const std::vector<std::shared_ptr<Callback>>& callbacks) {
  const std::int64_t n = x.size(0), bs = plan.batch_size;  // the global batch when distributed
  const std::int64_t steps = (n + bs - 1) / bs;
  std::vector<std::int64_t> order;
  if (plan.shuffle) order = epoch_permutation(n, plan.seed, plan.epoch);
  ModeGuard mode(network(), true);
  Averages avg{progress_.epoch_sums, progress_.epoch_samples};
  for (std::int64_t step = progress_.batch; step < steps; ++step) {
    const std::int64_t begin = step * bs, end = std::min(n, begin + bs);
    const auto [first, last] = replicas_ ? distributed::DistributedSampler::shard(begin, end, distributed::rank(),
                                                                                  distributed::world_size())
                                         : std::pair{begin, end};
    auto values = train_step(x, y, plan.shuffle ? &order : nullptr, first, last);
    avg.add(values, end - begin);
    progress_.epoch_sums = avg.sums;
    progress_.epoch_samples = avg.count;
    progress_.batch = step + 1;
    ++progress_.global_step;
    const auto running = avg.means();
    bar.update(step + 1, running);
    Logs batch_logs = running;
    batch_logs["batch_loss"] = values["loss"];
    for (auto& cb : callbacks) cb->on_batch_end(*this, step, batch_logs);
    if (replicas_) stop_training = distributed::any(stop_training);
    if (stop_training) break;
  }
  return avg.means();
}

History Model::fit(const Tensor& x_all, const Tensor& y_all, FitOptions options) {
  require_compiled("fit");
  check_samples("fit", x_all, y_all);
  if (options.epochs < 0 || options.initial_epoch < 0)
    throw ValueError("fit: epochs and initial_epoch must be >= 0");
  if (options.batch_size <= 0) throw ValueError("fit: batch_size must be positive, got " + std::to_string(options.batch_size));
  if (options.validation_split < 0 || options.validation_split >= 1)
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));

  Tensor x = x_all, y = y_all;
  std::optional<ValidationData> validation = options.validation_data;
  if (!validation && options.validation_split > 0) {
    // Keras: the validation set is the LAST fraction of the data, taken before any shuffling.
    const std::int64_t n = x_all.size(0);
    const auto split_at = static_cast<std::int64_t>(static_cast<double>(n) * (1.0 - options.validation_split));
    if (split_at <= 0 || split_at >= n)
      throw ValueError("fit: validation_split " + std::to_string(options.validation_split) + " of " +
                       std::to_string(n) + " samples leaves an empty training or validation set");
    x = slice(x_all, 0, 0, split_at);
    y = slice(y_all, 0, 0, split_at);
    validation = ValidationData{slice(x_all, 0, split_at, n), slice(y_all, 0, split_at, n)};
  }
  if (validation) check_samples("fit (validation data)", validation->x, validation->y);

  if (options.distributed) distributed::init();
  const std::int64_t global_batch = options.batch_size * (options.distributed ? distributed::world_size() : 1);
  bind_optimizer(x);
  layout_ = {x.size(0), global_batch, options.shuffle};
  io::Metadata resumed;
  if (!options.resume_from.empty()) {
    resumed = resume(options.resume_from, layout_);  // restores the RNG: nothing may draw from it before training
  } else {
    progress_ = {.epoch = options.initial_epoch,
                 .global_step = progress_.global_step,
                 .shuffle_seed = options.seed ? options.seed : random::bits(random::reserve(1), 0) | 1};
    history_ = History();
  }
  // Callbacks may save checkpoints while fit runs: they hold the callbacks' states too.
  struct CallbacksScope {
    Model& model;
    ~CallbacksScope() {
      model.callbacks_ = nullptr;
      model.replicas_.reset();
    }
  } scope{*this};
  setup_replicas(options.distributed);  // every rank continues from rank 0's weights and seed
  if (options.distributed) distributed::broadcast_value(progress_.shuffle_seed);
  const std::uint64_t seed = progress_.shuffle_seed;
  const int verbose = root_ ? options.verbose : 0;
  std::ostream& out = std::cout;
  stop_training = false;
  callbacks_ = &options.callbacks;
  for (auto& cb : options.callbacks) cb->on_train_begin(*this);
  restore_callbacks(options.callbacks, resumed);
  Logs logs;
  for (int epoch = static_cast<int>(progress_.epoch); epoch < options.epochs && !stop_training; ++epoch) {
    progress_.epoch = epoch;
    if (verbose) out << "Epoch " << epoch + 1 << "/" << options.epochs << "\n";
    for (auto& cb : options.callbacks) cb->on_epoch_begin(*this, epoch);
    const EpochPlan plan{global_batch, options.shuffle, seed, epoch};
    ProgressBar bar(out, (x.size(0) + global_batch - 1) / global_batch, verbose, ProgressBar::is_terminal(out));
    logs = train_epoch(x, y, plan, bar, options.callbacks);
    if (validation) {
      const EvaluateOptions eval{.batch_size = options.batch_size, .distributed = options.distributed};
      for (const auto& [k, v] : evaluate(validation->x, validation->y, eval)) logs["val_" + k] = v;
    }
    finish_epoch(epoch, logs);
    bar.finish(logs);
    for (auto& cb : options.callbacks) cb->on_epoch_end(*this, epoch, logs);
    if (replicas_) stop_training = distributed::any(stop_training);
  }
  for (auto& cb : options.callbacks) cb->on_train_end(*this, logs);
  return history_;
}

void Model::finish_epoch(int epoch, Logs& logs) {
  if (scheduler_) {
    logs["lr"] = optimizer_->lr();
    scheduler_->step();
  }
  history_.record(epoch, logs);
  progress_.epoch = epoch + 1;
  progress_.batch = 0;
  progress_.epoch_sums.clear();
  progress_.epoch_samples = 0;
}

History Model::fit(const datasets::Split& data, FitOptions options) { return fit(data.images, data.labels, std::move(options)); }

std::map<std::string, double> Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options) {
  require_compiled("evaluate");
  check_samples("evaluate", x, y);
  if (options.batch_size <= 0) throw ValueError("evaluate: batch_size must be positive");
  NoGradGuard no_grad;
  ModeGuard mode(network(), false);
  // Distributed: this rank's share of the rows; the means are reduced over the ranks at the end.
  if (options.distributed) distributed::init();
  const auto [first, last] = options.distributed ? distributed::DistributedSampler::shard(
                                                       0, x.size(0), distributed::rank(), distributed::world_size())
                                                 : std::pair<std::int64_t, std::int64_t>{0, x.size(0)};
  const std::int64_t n = last - first, steps = (n + options.batch_size - 1) / options.batch_size;
  const int verbose = options.distributed && !distributed::is_root() ? 0 : options.verbose;
  ProgressBar bar(std::cout, steps, verbose, ProgressBar::is_terminal(std::cout));
  Averages avg;
  for (std::int64_t step = 0; step < steps; ++step) {
    const std::int64_t begin = first + step * options.batch_size, end = std::min(last, begin + options.batch_size);
    const Tensor xb = slice(x, 0, begin, end), yb = slice(y, 0, begin, end);
    const Tensor pred = network()(xb);
    auto values = batch_metrics(pred, yb);
    values["loss"] = loss_(pred, yb).item();
    avg.add(values, end - begin);
    bar.update(step + 1, avg.means());
  }
  auto result = avg.means();
  if (options.distributed) {
    auto local = zero_metrics();
    for (const auto& [k, v] : result) local[k] = v;
    result = distributed::mean(local, avg.count);
  }
  bar.finish(result);
  return result;
}

std::map<std::string, double> Model::evaluate(const datasets::Split& data, EvaluateOptions options) {
  return evaluate(data.images, data.labels, options);
}

Tensor Model::predict(const Tensor& x, PredictOptions options) {
  if (!x.defined() || x.dim() == 0) throw ShapeError("predict: x needs a leading sample axis");
  if (x.size(0) == 0) throw ValueError("predict: no samples (x has shape " + shape_str(x.shape()) + ")");
  if (options.batch_size <= 0) throw ValueError("predict: batch_size must be positive");
  NoGradGuard no_grad;
  ModeGuard mode(network(), false);
  const std::int64_t n = x.size(0);
  if (n <= options.batch_size) {  // one batch: no slicing, and a copy only when the output aliases x
    Tensor pred = network()(x);
    return pred.shares_storage(x) ? pred.clone() : pred;
  }
  Tensor out;
  for (std::int64_t begin = 0; begin < n; begin += options.batch_size) {
    const std::int64_t end = std::min(n, begin + options.batch_size);
    const Tensor pred = network()(slice(x, 0, begin, end));
    if (!out.defined()) {
      Shape shape = pred.shape();
      shape[0] = n;
      out = empty(shape, {.dtype = pred.dtype()});
    }
    Tensor rows = slice(out, 0, begin, end);
    rows.copy_(pred);
  }
  return out;
}

std::string Model::summary() const { return summary_table(network(), summary_rows()); }

void Model::print_summary(std::ostream& out) const { out << summary(); }

std::vector<const nn::Module*> Model::summary_rows() const {
  std::vector<const nn::Module*> rows;
  for (const auto& c : network().children()) rows.push_back(c.get());
  if (rows.empty()) rows.push_back(&network());
  return rows;
}

}  // namespace xg::train
