// ReduceLROnPlateau: PyTorch's bookkeeping of best metric, bad epochs and cooldown.
#include <xgrad/optim/reduce_lr_on_plateau.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/optim/detail/common.hpp>
#include <xgrad/optim/detail/state_io.hpp>

#include <algorithm>
#include <limits>

namespace xg::optim {
namespace {
constexpr const char* kName = "ReduceLROnPlateau";

bool parse_choice(const std::string& value, const char* option, const char* yes, const char* no) {
  if (value == yes) return true;
  if (value == no) return false;
  throw ValueError(std::string(kName) + ": invalid " + option + " '" + value + "' (expected '" + yes + "' or '" +
                   no + "')");
}
}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(&optimizer),
      options_(std::move(options)),
      maximize_(parse_choice(options_.mode, "mode", "max", "min")),
      relative_(parse_choice(options_.threshold_mode, "threshold_mode", "rel", "abs")) {
  const auto& o = options_;
  detail::require_option(o.factor >= 0.0 && o.factor < 1.0, kName, "factor", o.factor, "0 <= factor < 1");
  detail::require_option(o.patience >= 0, kName, "patience", static_cast<double>(o.patience), ">= 0");
  detail::require_option(o.threshold >= 0.0, kName, "threshold", o.threshold, ">= 0");
  detail::require_option(o.cooldown >= 0, kName, "cooldown", static_cast<double>(o.cooldown), ">= 0");
  detail::require_option(o.eps >= 0.0, kName, "eps", o.eps, ">= 0");
  const std::size_t groups = optimizer.param_groups().size();
  if (o.min_lrs.empty()) {
    detail::require_option(o.min_lr >= 0.0, kName, "min_lr", o.min_lr, ">= 0");
    options_.min_lrs.assign(groups, o.min_lr);
  } else {
    if (o.min_lrs.size() != groups)
      throw ValueError(std::string(kName) + ": min_lrs has " + std::to_string(o.min_lrs.size()) +
                       " entries but the optimizer has " + std::to_string(groups) + " parameter group(s)");
    for (std::size_t g = 0; g < groups; ++g)
      detail::require_option(o.min_lrs[g] >= 0.0, kName, "min_lrs[" + std::to_string(g) + "]", o.min_lrs[g], ">= 0");
  }
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  for (const auto& group : optimizer.param_groups()) last_lr_.push_back(group.lr);
}

bool ReduceLROnPlateau::is_better(double metric) const {
  const double t = options_.threshold;
  if (maximize_) return relative_ ? metric > best_ * (1.0 + t) : metric > best_ + t;
  return relative_ ? metric < best_ * (1.0 - t) : metric < best_ - t;
}

void ReduceLROnPlateau::reduce_lr() {
  const auto& groups = optimizer_->param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double old_lr = groups[g].lr;
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lrs[g]);
    if (old_lr - new_lr > options_.eps) optimizer_->set_group_lr(g, new_lr);
  }
}

void ReduceLROnPlateau::step(double metric) {
  const std::size_t groups = optimizer_->param_groups().size();
  if (groups != options_.min_lrs.size())
    throw ValueError(std::string(kName) + ".step: the optimizer (" + optimizer_->name() + ") has " +
                     std::to_string(groups) + " parameter group(s) but the scheduler was created for " +
                     std::to_string(options_.min_lrs.size()) + "; create the scheduler after adding parameter groups");
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (in_cooldown()) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    reduce_lr();
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& group : optimizer_->param_groups()) last_lr_.push_back(group.lr);
}

StateDict ReduceLROnPlateau::state_dict() const {
  return {{"last_epoch", detail::int64_scalar(last_epoch_)},
          {"best", detail::scalar64(best_)},
          {"num_bad_epochs", detail::int64_scalar(num_bad_epochs_)},
          {"cooldown_counter", detail::int64_scalar(cooldown_counter_)},
          {"last_lr", detail::list64(last_lr_)}};
}

void ReduceLROnPlateau::load_state_dict(const StateDict& dict) {
  const std::string who = std::string(kName) + ".load_state_dict";
  detail::reject_unknown_keys(dict, {"last_epoch", "best", "num_bad_epochs", "cooldown_counter", "last_lr"}, who);
  const auto epoch = static_cast<std::int64_t>(detail::scalar_entry(dict, "last_epoch", who));
  const double best = detail::scalar_entry(dict, "best", who);
  const auto bad = static_cast<std::int64_t>(detail::scalar_entry(dict, "num_bad_epochs", who));
  const auto cooldown = static_cast<std::int64_t>(detail::scalar_entry(dict, "cooldown_counter", who));
  auto last = detail::list_entry(dict, "last_lr", who, options_.min_lrs.size());
  last_epoch_ = epoch;
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
  last_lr_ = std::move(last);
}

}  // namespace xg::optim
