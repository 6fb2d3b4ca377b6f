// Optimizer base: parameter groups, lazy binding, the step loop over parameters with a gradient,
// per-parameter state and the flat state_dict format (see optimizer.hpp).
#include <xgrad/optim/optimizer.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/optim/detail/common.hpp>
#include <xgrad/optim/detail/state_io.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace xg::optim {
namespace {

constexpr std::string_view kGroupPrefix = "param_groups.";
constexpr std::string_view kStatePrefix = "state.";

std::string param_label(std::size_t index, const Tensor& param) {
  std::string label = "parameter " + std::to_string(index);
  if (param.defined() && !param.name().empty()) label += " ('" + param.name() + "')";
  return label;
}

/// Splits "<index>.<rest>" into its parts; false when malformed.
bool split_index(std::string_view text, std::size_t& index, std::string_view& rest) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const auto result = std::from_chars(text.data(), text.data() + dot, index);
  if (result.ec != std::errc() || result.ptr != text.data() + dot) return false;
  rest = text.substr(dot + 1);
  return !rest.empty();
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Optimizer::Optimizer(std::string name, ParamList params, double default_lr)
    : name_(std::move(name)), groups_(1), default_lr_(default_lr) {
  if (params.bound && params.params.empty())
    throw ValueError(name_ + " was given no parameters; did you call model.parameters() before the lazy layers were "
                     "built? Layers without in_features / in_channels create their weights on their first forward: "
                     "run one batch through the model first, or construct the optimizer without parameters (" +
                     name_ + "({.lr = ...})) and bind them later with set_parameters() (Model::compile does that)");
  require_option(default_lr >= 0.0, "lr", default_lr, ">= 0");
  groups_[0].lr = default_lr;
  set_parameters(std::move(params.params));
}

void Optimizer::require_option(bool ok, const std::string& option, double value, const std::string& expected) const {
  detail::require_option(ok, name_, option, value, expected);
}

void Optimizer::check_lr(double lr, const char* method) const {
  detail::require_option(lr >= 0.0, name_ + "." + method, "lr", lr, ">= 0");
}

void Optimizer::check_new_params(const std::vector<Tensor>& params, const char* method, bool keeps_bound) const {
  std::set<const TensorImpl*> seen;
  if (keeps_bound)
    for (const auto& p : parameters()) seen.insert(p.impl());
  const std::string who = name_ + "." + method + ": ";
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    if (!p.defined()) throw ValueError(who + param_label(i, p) + " is an undefined tensor");
    if (!is_floating(p.dtype()))
      throw ValueError(who + param_label(i, p) + " has dtype " + std::string(dtype_name(p.dtype())) +
                       "; only float32 and float64 tensors can be optimized");
    if (!p.is_leaf())
      throw ValueError(who + param_label(i, p) +
                       " is not a leaf tensor (it was computed by an op); optimize the leaves it was computed from");
    if (!seen.insert(p.impl()).second)
      throw ValueError(who + param_label(i, p) + " appears more than once among the optimizer's parameters");
  }
}

void Optimizer::set_parameters(std::vector<Tensor> params) {
  check_new_params(params, "set_parameters", false);
  ParamGroup group{std::move(params), lr(), groups_.empty() ? std::nullopt : groups_.front().initial_lr};
  state_.assign(group.params.size(), ParamState{});
  groups_.assign(1, std::move(group));
}

void Optimizer::add_param_group(std::vector<Tensor> params, std::optional<double> lr) {
  const double group_lr = lr.value_or(default_lr_);
  check_lr(group_lr, "add_param_group");
  check_new_params(params, "add_param_group", true);
  state_.resize(state_.size() + params.size());
  ParamGroup group{std::move(params), group_lr, std::nullopt};
  if (num_parameters() == 0)
    groups_.assign(1, std::move(group));
  else
    groups_.push_back(std::move(group));
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> all;
  for (const auto& group : groups_) all.insert(all.end(), group.params.begin(), group.params.end());
  return all;
}

std::size_t Optimizer::num_parameters() const {
  std::size_t n = 0;
  for (const auto& group : groups_) n += group.params.size();
  return n;
}

double Optimizer::lr() const { return groups_.empty() ? default_lr_ : groups_.front().lr; }

void Optimizer::set_lr(double lr) {
  check_lr(lr, "set_lr");
  for (auto& group : groups_) group.lr = lr;
}

void Optimizer::set_group_lr(std::size_t group, double lr) {
  check_lr(lr, "set_group_lr");
  if (group >= groups_.size())
    throw IndexError(name_ + ".set_group_lr: group " + std::to_string(group) + " out of range (the optimizer has " +
                     std::to_string(groups_.size()) + " groups)");
  groups_[group].lr = lr;
}

void Optimizer::set_group_initial_lr(std::size_t group, double initial_lr) {
  if (group >= groups_.size())
    throw IndexError(name_ + ".set_group_initial_lr: group " + std::to_string(group) +
                     " out of range (the optimizer has " + std::to_string(groups_.size()) + " groups)");
  groups_[group].initial_lr = initial_lr;
}

const ParamState& Optimizer::state(std::size_t index) const {
  if (index >= state_.size())
    throw IndexError(name_ + ".state: parameter " + std::to_string(index) + " out of range (the optimizer has " +
                     std::to_string(state_.size()) + " parameters)");
  return state_[index];
}

void Optimizer::zero_grad() {
  for (auto& group : groups_)
    for (auto& p : group.params) p.set_grad(Tensor());
}

void Optimizer::step() {
  if (num_parameters() == 0)
    throw ValueError("optimizer has no parameters: " + name_ +
                     ".step() was called before any parameter was bound (pass them to the constructor, or call "
                     "set_parameters() or add_param_group() first)");
  NoGradGuard no_grad;
  std::size_t index = 0;
  for (const auto& group : groups_) {
    for (Tensor param : group.params) {
      const Tensor grad = param.grad();
      if (grad.defined()) {
        if (grad.shape() != param.shape() || grad.dtype() != param.dtype())
          throw ShapeError(name_ + ".step: " + param_label(index, param) + " has shape " + shape_str(param.shape()) +
                           " " + std::string(dtype_name(param.dtype())) + " but its gradient has shape " +
                           shape_str(grad.shape()) + " " + std::string(dtype_name(grad.dtype())));
        update(param, grad, group, state_[index]);
      }
      ++index;
    }
  }
}

Tensor& Optimizer::state_tensor(ParamState& state, const std::string& key, const Tensor& param, double init,
                                bool* created) {
  auto it = state.find(key);
  const bool fresh = it == state.end();
  if (fresh) it = state.emplace(key, full(param.shape(), init, {.dtype = param.dtype()})).first;
  if (created != nullptr) *created = fresh;
  return it->second;
}

double Optimizer::increment_step(ParamState& state) {
  auto it = state.find("step");
  if (it == state.end()) it = state.emplace("step", detail::scalar64(0.0)).first;
  double* step = it->second.data<double>();
  *step += 1.0;
  return *step;
}

StateDict Optimizer::state_dict() const {
  NoGradGuard no_grad;
  StateDict dict;
  std::int64_t index = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const auto& group = groups_[g];
    const std::string prefix = std::string(kGroupPrefix) + std::to_string(g) + ".";
    dict[prefix + "lr"] = detail::scalar64(group.lr);
    if (group.initial_lr) dict[prefix + "initial_lr"] = detail::scalar64(*group.initial_lr);
    std::vector<std::int64_t> indices(group.params.size());
    for (auto& i : indices) i = index++;
    dict[prefix + "params"] = from_vector(indices, {static_cast<std::int64_t>(indices.size())});
  }
  for (std::size_t i = 0; i < state_.size(); ++i)
    for (const auto& [key, value] : state_[i])
      dict[std::string(kStatePrefix) + std::to_string(i) + "." + key] = value.clone();
  return dict;
}

void Optimizer::load_state_dict(const StateDict& dict) {
  NoGradGuard no_grad;
  const std::string who = name_ + ".load_state_dict: ";
  const auto params = parameters();
  const auto allowed = state_keys();
  std::vector<std::optional<double>> lrs(groups_.size()), initial_lrs(groups_.size());
  std::vector<bool> have_params(groups_.size(), false);
  std::vector<ParamState> state(state_.size());

  auto scalar_of = [&](const std::string& key, const Tensor& value) {
    if (value.numel() != 1)
      throw ValueError(who + "'" + key + "' should hold one number, got shape " + shape_str(value.shape()));
    return value.item();
  };

  std::size_t first_index = 0;
  std::vector<std::size_t> group_start(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    group_start[g] = first_index;
    first_index += groups_[g].params.size();
  }

  for (const auto& [key, value] : dict) {
    if (!value.defined()) throw ValueError(who + "'" + key + "' holds an undefined tensor");
    std::size_t index = 0;
    std::string_view field;
    const std::string_view k = key;
    if (k.starts_with(kGroupPrefix) && split_index(k.substr(kGroupPrefix.size()), index, field)) {
      if (index >= groups_.size())
        throw ValueError(who + "'" + key + "' refers to parameter group " + std::to_string(index) +
                         " but this optimizer has " + std::to_string(groups_.size()) + " group(s)");
      if (field == "lr") {
        const double lr = scalar_of(key, value);
        detail::require_option(lr >= 0.0, who + "'" + key + "'", "lr", lr, ">= 0");
        lrs[index] = lr;
      } else if (field == "initial_lr") {
        initial_lrs[index] = scalar_of(key, value);
      } else if (field == "params") {
        const auto& group = groups_[index].params;
        if (value.dtype() != kInt64 || value.dim() != 1 || value.numel() != static_cast<std::int64_t>(group.size()))
          throw ValueError(who + "'" + key + "' lists " + std::to_string(value.numel()) + " " +
                           std::string(dtype_name(value.dtype())) + " entries but group " + std::to_string(index) +
                           " of this optimizer holds " + std::to_string(group.size()) +
                           " parameters (expected a 1-d int64 tensor of their indices)");
        const auto saved = value.to_vector<std::int64_t>();
        for (std::size_t j = 0; j < saved.size(); ++j)
          if (saved[j] != static_cast<std::int64_t>(group_start[index] + j))
            throw ValueError(who + "'" + key + "' lists parameter " + std::to_string(saved[j]) + " at position " +
                             std::to_string(j) + ", expected " + std::to_string(group_start[index] + j) +
                             " (the groups were built differently)");
        have_params[index] = true;
      } else {
        throw ValueError(who + "unexpected key '" + key + "' (a group has lr, initial_lr and params)");
      }
    } else if (k.starts_with(kStatePrefix) && split_index(k.substr(kStatePrefix.size()), index, field)) {
      if (index >= params.size())
        throw ValueError(who + "'" + key + "' refers to parameter " + std::to_string(index) +
                         " but this optimizer has " + std::to_string(params.size()) + " parameters");
      const std::string name(field);
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        throw ValueError(who + "unexpected state '" + name + "' in '" + key + "' (" + name_ + " keeps " +
                         join(allowed) + ")");
      const Tensor& param = params[index];
      if (name == "step") {
        state[index][name] = detail::scalar64(scalar_of(key, value));
      } else {
        if (value.shape() != param.shape())
          throw ValueError(who + "'" + key + "' has shape " + shape_str(value.shape()) + " but " +
                           param_label(index, param) + " has shape " + shape_str(param.shape()));
        state[index][name] = value.dtype() == param.dtype() ? value.clone() : value.to(param.dtype());
      }
    } else {
      throw ValueError(who + "unexpected key '" + key + "' (expected param_groups.<g>.<field> or state.<i>.<name>)");
    }
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = std::string(kGroupPrefix) + std::to_string(g) + ".";
    if (!lrs[g]) throw ValueError(who + "missing key '" + prefix + "lr'");
    if (!have_params[g]) throw ValueError(who + "missing key '" + prefix + "params'");
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].lr = *lrs[g];
    groups_[g].initial_lr = initial_lrs[g];
  }
  state_ = std::move(state);
}

}  // namespace xg::optim
