#pragma once
// xg::optim::Optimizer — the base of every optimizer.
//
// An optimizer holds parameter groups (tensors sharing a learning rate) and, per parameter, named
// state tensors ("exp_avg", "momentum_buffer", "step", ...) indexed by the parameter's position
// across all groups. step() walks the groups, skips parameters without a gradient (as PyTorch)
// and calls the subclass' update(), which rewrites the parameter's buffer in place: no autograd
// recording, no temporary tensors. Subclasses pass their name to the constructor and implement
// update() and state_keys().
//
// Keras-style models create their weights lazily, so an optimizer may be built without parameters
// (it then holds one empty group) and bound later with set_parameters(). Only the options-only
// constructors do that (ParamList::unbound()): an explicitly given empty list is an error at
// construction, since it is almost always model.parameters() called before the first forward.
//
// state_dict() is a flat std::map<std::string, Tensor> (docs/optimizers.md):
//   "param_groups.<g>.lr"          0-d float64   learning rate of group g
//   "param_groups.<g>.initial_lr"  0-d float64   present once an LR scheduler was attached
//   "param_groups.<g>.params"      1-d int64     global indices of the group's parameters
//   "state.<i>.<key>"              per-parameter state of parameter i ("step" is 0-d float64,
//                                  the others have the parameter's shape and dtype)
// Hyperparameters other than lr are not part of it: they come from the constructor.
#include <xgrad/core/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xg::optim {

/// Named tensors: an optimizer's or a scheduler's saved state (same type as nn::StateDict).
using StateDict = std::map<std::string, Tensor>;

/// Per-parameter optimizer state: named tensors such as "exp_avg" or "step".
using ParamState = std::map<std::string, Tensor>;

/// The parameters given to an optimizer's constructor: a std::vector<Tensor> (model.parameters())
/// or a braced list `{w, b}`. A wrapper rather than a plain vector so that `Adam({.lr = 1e-3})`
/// is not ambiguous under GCC 12, which lets a one-designator list initialize a std::vector.
/// A list given by the caller must not be empty (an empty model.parameters() usually means the
/// lazy layers were not built yet); the options-only constructors pass unbound() instead.
struct ParamList {
  ParamList(std::vector<Tensor> list) : params(std::move(list)) {}  // NOLINT: implicit by design
  ParamList(std::initializer_list<Tensor> list) : params(list) {}   // NOLINT: implicit by design
  /// No parameters on purpose: they are bound later with set_parameters() (Keras-style compile).
  static ParamList unbound() {
    ParamList list{std::vector<Tensor>{}};
    list.bound = false;
    return list;
  }
  std::vector<Tensor> params = {};
  /// False only for unbound().
  bool bound = true;
};

/// Parameters sharing a learning rate.
struct ParamGroup {
  std::vector<Tensor> params = {};
  double lr = 0.0;
  /// The lr the first LR scheduler found (PyTorch's 'initial_lr'); schedulers start from it.
  std::optional<double> initial_lr = std::nullopt;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;

  /// "SGD", "Adam", ... used in error messages.
  virtual std::string name() const { return name_; }

  /// Applies one update to every parameter that has a gradient (parameters without one are
  /// skipped). Throws ValueError when no parameters are bound.
  virtual void step();
  /// Clears the gradients of all parameters (they become undefined, like set_to_none=True).
  void zero_grad();

  /// Replaces all groups by one group holding `params` (lr and initial_lr of the first group are
  /// kept) and clears the state. This is how a lazily built model binds its weights.
  void set_parameters(std::vector<Tensor> params);
  /// Appends a group with its own learning rate (the options' lr when not given). On an optimizer
  /// without parameters the group replaces the empty one.
  void add_param_group(std::vector<Tensor> params, std::optional<double> lr = std::nullopt);

  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// Every parameter of every group, in global index order.
  std::vector<Tensor> parameters() const;
  /// Number of parameter tensors over all groups.
  std::size_t num_parameters() const;

  /// The learning rate of the first group.
  double lr() const;
  /// Sets the learning rate of every group (lr >= 0).
  void set_lr(double lr);
  /// Sets the learning rate of one group (what LR schedulers do).
  void set_group_lr(std::size_t group, double lr);
  /// Records the learning rate a scheduler starts from; called by LR schedulers.
  void set_group_initial_lr(std::size_t group, double initial_lr);

  /// The state tensors of parameter `index` (global index; empty before its first update).
  const ParamState& state(std::size_t index) const;

  /// A snapshot (cloned tensors) of the learning rates and per-parameter state, in the format
  /// described at the top of this file.
  StateDict state_dict() const;
  /// Restores a state_dict() of an optimizer of the same type over parameters of the same shapes.
  /// Validates everything before changing anything; throws ValueError naming the offending key.
  void load_state_dict(const StateDict& dict);

 protected:
  /// `name` is returned by name(); `default_lr` is the options' lr, used for groups added without one.
  /// Throws ValueError when `params` is an empty list given by the caller (not unbound()).
  Optimizer(std::string name, ParamList params, double default_lr);

  /// Updates `param` in place from `grad` (same shape and dtype) with the group's hyperparameters.
  virtual void update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) = 0;
  /// The state keys this optimizer may keep per parameter (validates load_state_dict).
  virtual std::vector<std::string> state_keys() const = 0;

  /// The state tensor `key`, created on first use with the parameter's shape and dtype, filled with
  /// `init`. `created` (optional) tells whether it was created by this call.
  static Tensor& state_tensor(ParamState& state, const std::string& key, const Tensor& param, double init = 0.0,
                              bool* created = nullptr);
  /// Increments the per-parameter step counter ("step", 0-d float64) and returns its new value.
  static double increment_step(ParamState& state);
  /// Throws ValueError "<name>: invalid <option> = <value> (expected <expected>)" unless `ok`.
  void require_option(bool ok, const std::string& option, double value, const std::string& expected) const;

 private:
  /// Validates parameters about to be bound (defined, floating, leaf, no duplicates; with
  /// `keeps_bound` also none already bound).
  void check_new_params(const std::vector<Tensor>& params, const char* method, bool keeps_bound) const;
  void check_lr(double lr, const char* method) const;

  std::string name_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState> state_;  ///< one entry per parameter, global index order
  double default_lr_;
};

}  // namespace xg::optim
