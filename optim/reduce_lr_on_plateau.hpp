#pragma once
// ReduceLROnPlateau — torch.optim.lr_scheduler.ReduceLROnPlateau (1.13): multiplies every group's
// lr by `factor` when the monitored metric has not improved for more than `patience` epochs.
// Call step(metric) once per epoch with the monitored value (e.g. the validation loss).
//
// Improvement ("better than best"): mode min / rel: m < best * (1 - threshold); min / abs:
// m < best - threshold; max / rel: m > best * (1 + threshold); max / abs: m > best + threshold.
// A step that is not better counts a bad epoch; during the `cooldown` epochs after a reduction bad
// epochs are not counted. Once bad epochs exceed `patience`: lr = max(lr * factor, min_lr) for each
// group (skipped when it would change lr by less than `eps`), then cooldown starts.
// Keras' callback of the same name counts differently (it reduces after `patience` bad epochs and
// compares with min_delta); this one follows PyTorch.
//
// state_dict(): "last_epoch" (0-d int64), "best" (0-d float64), "num_bad_epochs",
// "cooldown_counter" (0-d int64), "last_lr" (1-d float64).
#include <xgrad/optim/optimizer.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace xg::optim {

/// Options of ReduceLROnPlateau (PyTorch's defaults and field order).
struct ReduceLROnPlateauOptions {
  std::string mode = "min";  ///< "min": the metric should decrease, "max": increase
  double factor = 0.1;       ///< 0 <= factor < 1
  std::int64_t patience = 10;
  double threshold = 1e-4;
  std::string threshold_mode = "rel";  ///< "rel" or "abs"
  std::int64_t cooldown = 0;
  double min_lr = 0.0;          ///< lower bound of every group's lr
  std::vector<double> min_lrs = {};  ///< per-group lower bounds; when given, overrides min_lr
  double eps = 1e-8;
};

class ReduceLROnPlateau {
 public:
  /// Keeps a reference to `optimizer`, which must outlive the scheduler.
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});

  /// Records one epoch's metric and reduces the lrs when it has stopped improving.
  void step(double metric);

  /// The groups' learning rates after the last step (their lrs at construction before any step).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The best metric seen (+inf in mode min, -inf in mode max before the first step).
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::int64_t cooldown_counter() const { return cooldown_counter_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  const ReduceLROnPlateauOptions& options() const { return options_; }

  StateDict state_dict() const;
  /// Restores a state_dict(); throws ValueError naming a missing or unexpected key.
  void load_state_dict(const StateDict& dict);

 private:
  bool is_better(double metric) const;
  void reduce_lr();

  Optimizer* optimizer_;
  ReduceLROnPlateauOptions options_;
  bool maximize_;
  bool relative_;
  std::int64_t last_epoch_ = 0;
  double best_;
  std::int64_t num_bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace xg::optim
