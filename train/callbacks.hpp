#pragma once
// Callbacks hook into Model::fit, as in Keras. Logs map names to values: "loss", "accuracy",
// "val_loss", "val_accuracy", "lr".
//
//   model.fit(x, y, {.epochs = 50, .validation_split = 0.1,
//                    .callbacks = {std::make_shared<xg::train::EarlyStopping>(
//                        xg::train::EarlyStoppingOptions{.monitor = "val_loss", .patience = 3})}});
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xg::nn {
class Module;
}

namespace xg::train {

class Model;
using Logs = std::map<std::string, double>;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Model& /*model*/) {}
  virtual void on_train_end(Model& /*model*/, const Logs& /*logs*/) {}
  virtual void on_epoch_begin(Model& /*model*/, int /*epoch*/) {}
  virtual void on_epoch_end(Model& /*model*/, int /*epoch*/, const Logs& /*logs*/) {}
  /// After each training batch, with the running averages and the batch's own loss ("batch_loss").
  virtual void on_batch_end(Model& /*model*/, std::int64_t /*batch*/, const Logs& /*logs*/) {}

  /// The callback's own counters, carried by Model::save_checkpoint so that a resumed fit goes on
  /// as the interrupted one would have; empty when it has none. The text starts with the type name.
  virtual std::string state() const { return {}; }
  /// Restores a state() when fit resumes from a checkpoint (after on_train_begin). Throws
  /// ValueError for the state of another callback type or a malformed one.
  virtual void load_state(const std::string& state);
};

/// "min" for losses/errors, "max" for accuracies, "auto" decides from the name.
enum class MonitorMode { Auto, Min, Max };

/// Tracks the best value of a monitored quantity (shared by EarlyStopping, ModelCheckpoint and
/// ReduceLROnPlateau).
class MonitorTracker {
 public:
  MonitorTracker(std::string monitor, MonitorMode mode, double min_delta);
  /// The monitored value from logs; throws ValueError listing the keys if absent.
  double value(const Logs& logs) const;
  /// True (and remembers it) if `value` improves on the best so far by more than min_delta.
  bool improved(double value);
  double best() const { return best_; }
  /// Sets the best value so far (restoring a checkpointed callback).
  void set_best(double best) { best_ = best; }
  const std::string& monitor() const { return monitor_; }
  void reset();

 private:
  std::string monitor_;
  bool maximize_;
  double min_delta_;
  double best_;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  /// Number of epochs in a row without improvement after which training stops (Keras' meaning:
  /// patience 2 stops at the second such epoch; 0 behaves as 1).
  int patience = 0;
  MonitorMode mode = MonitorMode::Auto;
  /// Put back the weights of the best epoch when stopping (or at the end of training).
  bool restore_best_weights = false;
};

/// Stops training when the monitored quantity stops improving.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Model& model) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;
  void on_train_end(Model& model, const Logs& logs) override;
  /// Best value, wait, stopped and best epoch (not the best weights of restore_best_weights).
  std::string state() const override;
  void load_state(const std::string& state) override;
  /// Epoch at which training was stopped (-1 if it was not).
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }

 private:
  EarlyStoppingOptions options_;
  MonitorTracker tracker_;
  int wait_ = 0, stopped_epoch_ = -1, best_epoch_ = -1;
  std::map<std::string, Tensor> best_weights_;
};

struct ModelCheckpointOptions {
  /// Destination; "{epoch}" is replaced by the 1-based epoch number (the epoch in progress for
  /// saves within an epoch).
  std::string filepath = "model.safetensors";
  std::string monitor = "val_loss";
  /// Only write when the monitored quantity improved.
  bool save_best_only = false;
  MonitorMode mode = MonitorMode::Auto;
  /// true: the network's weights only (io::save). false: a full training checkpoint
  /// (Model::save_checkpoint: weights, optimizer, scheduler, RNG, position, History) that
  /// FitOptions::resume_from continues from bitwise exactly.
  bool save_weights_only = true;
  /// 0: save at the end of every epoch. n > 0: save after every n-th optimizer step instead
  /// (Keras' integer save_freq), monitoring the running averages of the batch logs.
  std::int64_t save_freq = 0;
};

/// Saves the network's weights or a full checkpoint (written atomically) after epochs or batches.
/// In a distributed fit only rank 0 writes (all ranks track the same monitored values).
/// Put it after callbacks that change the model at epoch end (ReduceLROnPlateau) so that the file
/// holds their changes.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options = {});
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;
  void on_batch_end(Model& model, std::int64_t batch, const Logs& logs) override;
  /// The best monitored value (save_best_only).
  std::string state() const override;
  void load_state(const std::string& state) override;
  /// Paths written so far.
  const std::vector<std::string>& saved() const { return saved_; }

 private:
  /// Writes the file for (1-based) epoch `epoch_number` unless save_best_only rules it out.
  void save(Model& model, std::int64_t epoch_number, const Logs& logs);

  ModelCheckpointOptions options_;
  MonitorTracker tracker_;
  std::vector<std::string> saved_;
};

/// Writes one CSV row per epoch (epoch + every log key); in a distributed fit, on rank 0 only.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename, char separator = ',', bool append = false);
  ~CSVLogger() override;
  void on_train_begin(Model& model) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;

 private:
  std::string filename_;
  char separator_;
  bool append_;
  std::unique_ptr<std::ofstream> out_;
  bool header_written_ = false;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  MonitorMode mode = MonitorMode::Auto;
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
  bool verbose = false;
};

/// Multiplies the optimizer's learning rate by `factor` when the monitored quantity plateaus.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  /// Forgets the best value, wait and cooldown of a previous fit (as Keras).
  void on_train_begin(Model& model) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;
  /// Best value, wait and cooldown (the lr itself is saved with the optimizer).
  std::string state() const override;
  void load_state(const std::string& state) override;

 private:
  ReduceLROnPlateauOptions options_;
  MonitorTracker tracker_;
  int wait_ = 0, cooldown_left_ = 0;
};

/// Stops training as soon as a batch loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_batch_end(Model& model, std::int64_t batch, const Logs& logs) override;
  bool terminated() const { return terminated_; }

 private:
  bool terminated_ = false;
};

/// A callback made of lambdas.
class LambdaCallback : public Callback {
 public:
  std::function<void(Model&)> train_begin;
  std::function<void(Model&, const Logs&)> train_end;
  std::function<void(Model&, int)> epoch_begin;
  std::function<void(Model&, int, const Logs&)> epoch_end;
  std::function<void(Model&, std::int64_t, const Logs&)> batch_end;

  void on_train_begin(Model& m) override { if (train_begin) train_begin(m); }
  void on_train_end(Model& m, const Logs& l) override { if (train_end) train_end(m, l); }
  void on_epoch_begin(Model& m, int e) override { if (epoch_begin) epoch_begin(m, e); }
  void on_epoch_end(Model& m, int e, const Logs& l) override { if (epoch_end) epoch_end(m, e, l); }
  void on_batch_end(Model& m, std::int64_t b, const Logs& l) override { if (batch_end) batch_end(m, b, l); }
};

}  // namespace xg::train
