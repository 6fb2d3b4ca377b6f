#pragma once
// Epoch-based learning-rate schedulers, as torch.optim.lr_scheduler (1.13): StepLR,
// ExponentialLR, CosineAnnealingLR and LinearWarmup (PyTorch's LinearLR, optionally followed by
// another scheduler as SequentialLR does). ReduceLROnPlateau lives in reduce_lr_on_plateau.hpp.
//
// A scheduler drives the lr of every parameter group of one optimizer. Construction is epoch 0
// (it sets the epoch-0 lr); call step() once per epoch, after that epoch's optimizer steps.
// Like PyTorch, each step() derives the new lr from the group's *current* lr (the "chainable"
// form), so schedulers compose with each other and with manual set_lr(). The first scheduler
// attached to an optimizer records each group's lr as its initial_lr; every scheduler's base lrs
// are those initial lrs. The scheduler keeps a reference to the optimizer, which must outlive it.
//
// state_dict(): "last_epoch" (0-d int64), "base_lrs" and "last_lr" (1-d float64, one entry per
// group); LinearWarmup adds its wrapped scheduler's entries under "inner.". Hyperparameters come
// from the constructor and are not saved.
#include <xgrad/optim/optimizer.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xg::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch and writes the new learning rates into the optimizer's groups.
  virtual void step();
  /// Goes back to epoch 0 from the base lrs (what PyTorch's SequentialLR does to the scheduler it
  /// hands over to).
  void restart();

  /// The learning rates set by the last step (one per group).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  /// Epochs stepped since construction (0 right after it).
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The groups' initial learning rates the schedule starts from.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return *optimizer_; }
  const std::string& name() const { return name_; }

  virtual StateDict state_dict() const;
  /// Restores a state_dict() of the same kind of scheduler (the optimizer's lrs are restored by the
  /// optimizer's own load_state_dict). Throws ValueError naming a missing or unexpected key.
  virtual void load_state_dict(const StateDict& dict);

 protected:
  LRScheduler(std::string name, Optimizer& optimizer);

  /// The lrs for epoch last_epoch() from the groups' current lrs (PyTorch's get_lr()).
  virtual std::vector<double> compute_lr() const = 0;
  /// Epoch 0: every concrete scheduler's constructor calls this last, after validating its options.
  void initial_step();
  /// Writes `lrs` into the optimizer's groups and remembers them as last_lr.
  void apply(const std::vector<double>& lrs);
  /// The groups' current learning rates.
  std::vector<double> current_lrs() const;
  /// Throws ValueError when the optimizer's group count changed since construction.
  void check_groups(const char* method) const;
  /// Throws ValueError "<name>: invalid <option> = <value> (expected <expected>)" unless `ok`.
  void require_option(bool ok, const std::string& option, double value, const std::string& expected) const;

  std::int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;

 private:
  std::string name_;
  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
};

/// Multiplies the lr by `gamma` every `step_size` epochs: lr_e = base_lr * gamma^floor(e / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

/// Multiplies the lr by `gamma` every epoch: lr_e = base_lr * gamma^e.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> compute_lr() const override;

 private:
  double gamma_;
};

/// Cosine annealing from base_lr down to eta_min over t_max epochs (SGDR without restarts):
/// lr_e = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / t_max)) / 2, continuing periodically
/// after t_max as PyTorch's recursive form does.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min = 0.0);

 protected:
  std::vector<double> compute_lr() const override;

 private:
  std::int64_t t_max_;
  double eta_min_;
};

/// Options of LinearWarmup (PyTorch LinearLR's defaults).
struct LinearWarmupOptions {
  std::int64_t warmup_steps = 5;   ///< epochs of the ramp (>= 1)
  double start_factor = 1.0 / 3;   ///< lr_0 = base_lr * start_factor, 0 < start_factor <= 1
};

/// Linear warmup: lr_e = base_lr * (start_factor + (1 - start_factor) * min(e, N) / N), N the
/// warmup steps (PyTorch's LinearLR with end_factor 1). With an `inner` scheduler (built on the same
/// optimizer before this one) the inner schedule starts at epoch N from the base lrs and drives the
/// lr from then on, i.e. SequentialLR([LinearLR, inner], milestones=[N]).
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, LinearWarmupOptions options = {},
               std::shared_ptr<LRScheduler> inner = nullptr);

  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;
  /// The scheduler that takes over after the warmup (may be null).
  const std::shared_ptr<LRScheduler>& inner() const { return inner_; }

 protected:
  std::vector<double> compute_lr() const override;

 private:
  LinearWarmupOptions options_;
  std::shared_ptr<LRScheduler> inner_;
};

}  // namespace xg::optim
