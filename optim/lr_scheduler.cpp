// Epoch-based LR schedulers: the chainable update formulas of torch.optim.lr_scheduler (1.13).
#include <xgrad/optim/lr_scheduler.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/optim/detail/common.hpp>
#include <xgrad/optim/detail/state_io.hpp>

#include <cmath>
#include <numbers>

namespace xg::optim {

// ---- LRScheduler ---------------------------------------------------------------------------------

LRScheduler::LRScheduler(std::string name, Optimizer& optimizer) : name_(std::move(name)), optimizer_(&optimizer) {
  const auto& groups = optimizer.param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].initial_lr) optimizer.set_group_initial_lr(g, groups[g].lr);
    base_lrs_.push_back(*optimizer.param_groups()[g].initial_lr);
  }
}

void LRScheduler::require_option(bool ok, const std::string& option, double value, const std::string& expected) const {
  detail::require_option(ok, name_, option, value, expected);
}

void LRScheduler::check_groups(const char* method) const {
  const std::size_t groups = optimizer_->param_groups().size();
  if (groups != base_lrs_.size())
    throw ValueError(name_ + "." + method + ": the optimizer (" + optimizer_->name() + ") has " +
                     std::to_string(groups) + " parameter group(s) but the scheduler was created for " +
                     std::to_string(base_lrs_.size()) + "; create the scheduler after adding parameter groups");
}

std::vector<double> LRScheduler::current_lrs() const {
  std::vector<double> lrs;
  for (const auto& group : optimizer_->param_groups()) lrs.push_back(group.lr);
  return lrs;
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_->set_group_lr(g, lrs[g]);
  last_lr_ = lrs;
}

void LRScheduler::initial_step() {
  last_epoch_ = -1;
  step();
}

void LRScheduler::step() {
  check_groups("step");
  ++last_epoch_;
  apply(compute_lr());
}

void LRScheduler::restart() {
  check_groups("restart");
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) optimizer_->set_group_lr(g, base_lrs_[g]);
  initial_step();
}

StateDict LRScheduler::state_dict() const {
  return {{"last_epoch", detail::int64_scalar(last_epoch_)},
          {"base_lrs", detail::list64(base_lrs_)},
          {"last_lr", detail::list64(last_lr_)}};
}

void LRScheduler::load_state_dict(const StateDict& dict) {
  const std::string who = name_ + ".load_state_dict";
  detail::reject_unknown_keys(dict, {"last_epoch", "base_lrs", "last_lr"}, who);
  const std::size_t groups = base_lrs_.size();
  const auto epoch = static_cast<std::int64_t>(detail::scalar_entry(dict, "last_epoch", who));
  auto base = detail::list_entry(dict, "base_lrs", who, groups);
  auto last = detail::list_entry(dict, "last_lr", who, groups);
  last_epoch_ = epoch;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// ---- StepLR --------------------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler("StepLR", optimizer), step_size_(step_size), gamma_(gamma) {
  require_option(step_size >= 1, "step_size", static_cast<double>(step_size), ">= 1");
  require_option(gamma > 0.0 && std::isfinite(gamma), "gamma", gamma, "a finite value > 0");
  initial_step();
}

std::vector<double> StepLR::compute_lr() const {
  auto lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (auto& lr : lrs) lr *= gamma_;
  return lrs;
}

// ---- ExponentialLR -------------------------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler("ExponentialLR", optimizer), gamma_(gamma) {
  require_option(gamma > 0.0 && std::isfinite(gamma), "gamma", gamma, "a finite value > 0");
  initial_step();
}

std::vector<double> ExponentialLR::compute_lr() const {
  auto lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (auto& lr : lrs) lr *= gamma_;
  return lrs;
}

// ---- CosineAnnealingLR ---------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min)
    : LRScheduler("CosineAnnealingLR", optimizer), t_max_(t_max), eta_min_(eta_min) {
  require_option(t_max >= 1, "t_max", static_cast<double>(t_max), ">= 1");
  require_option(eta_min >= 0.0, "eta_min", eta_min, ">= 0");
  initial_step();
}

std::vector<double> CosineAnnealingLR::compute_lr() const {
  auto lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  const double pi = std::numbers::pi;
  const auto e = static_cast<double>(last_epoch_), t = static_cast<double>(t_max_);
  for (std::size_t g = 0; g < lrs.size(); ++g) {
    if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0)  // the restart of the periodic continuation
      lrs[g] += (base_lrs()[g] - eta_min_) * (1.0 - std::cos(pi / t)) / 2.0;
    else
      lrs[g] = (1.0 + std::cos(pi * e / t)) / (1.0 + std::cos(pi * (e - 1.0) / t)) * (lrs[g] - eta_min_) + eta_min_;
  }
  return lrs;
}

// ---- LinearWarmup --------------------------------------------------------------------------------

LinearWarmup::LinearWarmup(Optimizer& optimizer, LinearWarmupOptions options, std::shared_ptr<LRScheduler> inner)
    : LRScheduler("LinearWarmup", optimizer), options_(options), inner_(std::move(inner)) {
  require_option(options.warmup_steps >= 1, "warmup_steps", static_cast<double>(options.warmup_steps), ">= 1");
  require_option(options.start_factor > 0.0 && options.start_factor <= 1.0, "start_factor", options.start_factor,
                 "0 < start_factor <= 1");
  if (inner_ && &inner_->optimizer() != &optimizer)
    throw ValueError("LinearWarmup: the inner " + inner_->name() +
                     " drives another optimizer; build it on the optimizer it warms up");
  // As SequentialLR: undo what the inner scheduler's construction did, then start the warmup.
  for (std::size_t g = 0; g < base_lrs().size(); ++g) optimizer.set_group_lr(g, base_lrs()[g]);
  initial_step();
}

std::vector<double> LinearWarmup::compute_lr() const {
  auto lrs = current_lrs();
  const double start = options_.start_factor;
  const auto n = options_.warmup_steps;
  if (last_epoch_ == 0) {
    for (auto& lr : lrs) lr *= start;
  } else if (last_epoch_ <= n) {
    const double ramp = 1.0 + (1.0 - start) / (static_cast<double>(n) * start +
                                               static_cast<double>(last_epoch_ - 1) * (1.0 - start));
    for (auto& lr : lrs) lr *= ramp;
  }
  return lrs;
}

void LinearWarmup::step() {
  if (!inner_ || last_epoch_ + 1 < options_.warmup_steps) {
    LRScheduler::step();
    return;
  }
  check_groups("step");
  ++last_epoch_;
  if (last_epoch_ == options_.warmup_steps)
    inner_->restart();
  else
    inner_->step();
  last_lr_ = inner_->get_last_lr();
}

StateDict LinearWarmup::state_dict() const {
  StateDict dict = LRScheduler::state_dict();
  if (inner_)
    for (auto& [key, value] : inner_->state_dict()) dict["inner." + key] = value;
  return dict;
}

void LinearWarmup::load_state_dict(const StateDict& dict) {
  // Splits "inner.*" off for the wrapped scheduler; a failure restores both, so nothing changes.
  const auto split = [&](const StateDict& all, StateDict& own, StateDict& inner) {
    for (const auto& [key, value] : all) {
      if (inner_ && key.starts_with("inner."))
        inner[key.substr(6)] = value;
      else
        own[key] = value;
    }
  };
  const auto load = [&](const StateDict& all) {
    StateDict own, inner;
    split(all, own, inner);
    LRScheduler::load_state_dict(own);
    if (inner_) inner_->load_state_dict(inner);
  };
  const StateDict backup = state_dict();
  try {
    load(dict);
  } catch (...) {
    load(backup);
    throw;
  }
}

}  // namespace xg::optim
