// LR schedulers: PyTorch's lr sequences (reference_values.hpp), state_dict round trips, chaining
// semantics and option validation.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "helpers.hpp"

namespace bdata = boost::unit_test::data;
namespace opt = xg::optim;
using namespace optim_test;

namespace {

/// An SGD optimizer with one parameter per base lr (one group each).
std::unique_ptr<opt::SGD> make_sgd(const std::vector<double>& base_lrs) {
  auto sgd = std::make_unique<opt::SGD>(std::vector<xg::Tensor>{xg::zeros({1}, {.requires_grad = true})},
                                        opt::SGDOptions{.lr = base_lrs.front()});
  for (std::size_t g = 1; g < base_lrs.size(); ++g) sgd->add_param_group({xg::zeros({1}, {.requires_grad = true})},
                                                                         base_lrs[g]);
  return sgd;
}

std::vector<double> group_lrs(const opt::Optimizer& optimizer) {
  std::vector<double> lrs;
  for (const auto& group : optimizer.param_groups()) lrs.push_back(group.lr);
  return lrs;
}

/// Either kind of scheduler behind one interface for the table-driven tests.
struct AnyScheduler {
  std::shared_ptr<opt::LRScheduler> epoch;
  std::shared_ptr<opt::ReduceLROnPlateau> plateau;
  void step(double metric) { plateau ? plateau->step(metric) : epoch->step(); }
  std::vector<double> last_lr() const { return plateau ? plateau->get_last_lr() : epoch->get_last_lr(); }
  opt::StateDict state_dict() const { return plateau ? plateau->state_dict() : epoch->state_dict(); }
  void load_state_dict(const opt::StateDict& d) { plateau ? plateau->load_state_dict(d) : epoch->load_state_dict(d); }
};

AnyScheduler build_scheduler(const optim_reference::SchedulerCase& c, opt::Optimizer& optimizer) {
  CaseOptions o(c.options);
  AnyScheduler s;
  const auto integer = [&](const std::string& key) { return static_cast<std::int64_t>(o(key)); };
  if (c.scheduler == "StepLR") {
    s.epoch = std::make_shared<opt::StepLR>(optimizer, integer("step_size"), o("gamma"));
  } else if (c.scheduler == "ExponentialLR") {
    s.epoch = std::make_shared<opt::ExponentialLR>(optimizer, o("gamma"));
  } else if (c.scheduler == "CosineAnnealingLR") {
    s.epoch = std::make_shared<opt::CosineAnnealingLR>(optimizer, integer("t_max"), o("eta_min"));
  } else if (c.scheduler == "LinearWarmup") {
    std::shared_ptr<opt::LRScheduler> inner;
    if (o.has("inner_cosine_t_max"))
      inner = std::make_shared<opt::CosineAnnealingLR>(optimizer, integer("inner_cosine_t_max"),
                                                       o("inner_cosine_eta_min"));
    if (o.has("inner_step_size"))
      inner = std::make_shared<opt::StepLR>(optimizer, integer("inner_step_size"), o("inner_gamma"));
    s.epoch = std::make_shared<opt::LinearWarmup>(
        optimizer, opt::LinearWarmupOptions{.warmup_steps = integer("warmup_steps"), .start_factor = o("start_factor")},
        inner);
  } else if (c.scheduler == "ReduceLROnPlateau") {
    s.plateau = std::make_shared<opt::ReduceLROnPlateau>(
        optimizer, opt::ReduceLROnPlateauOptions{.mode = o.has("mode_max") && o.flag("mode_max") ? "max" : "min",
                                                 .factor = o("factor"),
                                                 .patience = integer("patience"),
                                                 .threshold = o("threshold"),
                                                 .threshold_mode = o.has("threshold_abs") && o.flag("threshold_abs")
                                                                       ? "abs"
                                                                       : "rel",
                                                 .cooldown = integer("cooldown"),
                                                 .min_lr = o("min_lr")});
  } else {
    BOOST_FAIL("no builder for reference scheduler " << c.scheduler);
  }
  o.require_all_used();
  return s;
}

std::vector<std::string> scheduler_case_names() {
  std::vector<std::string> names;
  for (const auto& c : optim_reference::kSchedulerCases) names.push_back(c.name);
  return names;
}

const optim_reference::SchedulerCase& scheduler_case(const std::string& name) {
  for (const auto& c : optim_reference::kSchedulerCases)
    if (c.name == name) return c;
  throw std::runtime_error("no scheduler reference case " + name);
}

double metric_at(const optim_reference::SchedulerCase& c, std::size_t epoch) {
  return c.metrics.empty() ? 0.0 : c.metrics[epoch];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lr_scheduler)

BOOST_DATA_TEST_CASE(matches_pytorch_sequence, bdata::make(scheduler_case_names()), name) {
  const auto& c = scheduler_case(name);
  auto sgd = make_sgd(c.base_lrs);
  auto scheduler = build_scheduler(c, *sgd);
  check_close(group_lrs(*sgd), c.lrs[0], name + " after construction");
  for (std::size_t epoch = 1; epoch < c.lrs.size(); ++epoch) {
    scheduler.step(metric_at(c, epoch - 1));
    check_close(group_lrs(*sgd), c.lrs[epoch], name + " epoch " + std::to_string(epoch));
    check_close(scheduler.last_lr(), c.lrs[epoch], name + " get_last_lr at epoch " + std::to_string(epoch));
  }
}

BOOST_DATA_TEST_CASE(resume_equals_uninterrupted_run, bdata::make(scheduler_case_names()), name) {
  const auto& c = scheduler_case(name);
  auto sgd = make_sgd(c.base_lrs);
  auto scheduler = build_scheduler(c, *sgd);
  const std::size_t split = 4;
  for (std::size_t epoch = 0; epoch < split; ++epoch) scheduler.step(metric_at(c, epoch));
  const auto saved_optimizer = sgd->state_dict();
  const auto saved = scheduler.state_dict();

  auto resumed_sgd = make_sgd(c.base_lrs);
  auto resumed = build_scheduler(c, *resumed_sgd);
  resumed_sgd->load_state_dict(saved_optimizer);
  resumed.load_state_dict(saved);
  BOOST_TEST(resumed.last_lr() == scheduler.last_lr(), boost::test_tools::per_element());
  for (std::size_t epoch = split; epoch + 1 < c.lrs.size(); ++epoch) {
    scheduler.step(metric_at(c, epoch));
    resumed.step(metric_at(c, epoch));
    BOOST_TEST(group_lrs(*resumed_sgd) == group_lrs(*sgd), boost::test_tools::per_element());
  }
  check_close(group_lrs(*resumed_sgd), c.lrs.back(), name + " resumed, last epoch");
}

BOOST_AUTO_TEST_CASE(state_dict_keys) {
  auto sgd = make_sgd({0.1});
  auto inner = std::make_shared<opt::CosineAnnealingLR>(*sgd, 10);
  opt::LinearWarmup warmup(*sgd, {.warmup_steps = 2}, inner);
  std::vector<std::string> keys;
  for (const auto& [key, value] : warmup.state_dict()) keys.push_back(key);
  const std::vector<std::string> expected = {"base_lrs",       "inner.base_lrs", "inner.last_epoch",
                                             "inner.last_lr",  "last_epoch",     "last_lr"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());

  // A bad inner entry leaves both the warmup and its inner scheduler as they were.
  warmup.step();
  auto bad = warmup.state_dict();
  bad["last_epoch"] = xg::scalar_tensor(7.0, {.dtype = xg::kInt64});
  bad["inner.last_lr"] = xg::zeros({3}, {.dtype = xg::kFloat64});
  check_throws<xg::ValueError>([&] { warmup.load_state_dict(bad); },
                               {"CosineAnnealingLR.load_state_dict: 'last_lr' has shape [3], expected [1]"});
  BOOST_TEST(warmup.last_epoch() == 1);

  opt::ReduceLROnPlateau plateau(*sgd);
  auto dict = plateau.state_dict();
  BOOST_TEST(dict.count("best") == 1u);
  BOOST_TEST(dict.at("best").item() == std::numeric_limits<double>::infinity());
  dict["patience"] = xg::scalar_tensor(3.0);
  check_throws<xg::ValueError>([&] { plateau.load_state_dict(dict); },
                               {"ReduceLROnPlateau.load_state_dict: unexpected key 'patience'"});
  opt::StepLR step(*sgd, 3);
  auto step_dict = step.state_dict();
  step_dict.erase("last_epoch");
  check_throws<xg::ValueError>([&] { step.load_state_dict(step_dict); },
                               {"StepLR.load_state_dict: missing key 'last_epoch'"});
}

BOOST_AUTO_TEST_CASE(chainable_with_manual_changes) {
  // As PyTorch: each step scales the current lr, so a manual change carries on.
  auto sgd = make_sgd({1.0});
  opt::ExponentialLR scheduler(*sgd, 0.5);
  scheduler.step();
  BOOST_TEST(sgd->lr() == 0.5);
  sgd->set_lr(10.0);
  scheduler.step();
  BOOST_TEST(sgd->lr() == 5.0);
  BOOST_TEST(scheduler.last_epoch() == 2);
}

BOOST_AUTO_TEST_CASE(base_lrs_come_from_the_initial_lr) {
  auto sgd = make_sgd({0.8});
  opt::LinearWarmup warmup(*sgd, {.warmup_steps = 4, .start_factor = 0.25});
  BOOST_TEST(sgd->lr() == 0.2);
  opt::StepLR step(*sgd, 2);  // built after the warmup changed the lr: still starts from 0.8
  BOOST_TEST(step.base_lrs().front() == 0.8);
  BOOST_TEST(sgd->param_groups()[0].initial_lr.value_or(0.0) == 0.8);
}

BOOST_AUTO_TEST_CASE(plateau_counters) {
  auto sgd = make_sgd({1.0});
  opt::ReduceLROnPlateau plateau(*sgd, {.factor = 0.5, .patience = 2, .cooldown = 2});
  BOOST_TEST(plateau.get_last_lr().front() == 1.0);
  for (double loss : {1.0, 1.0, 1.0}) plateau.step(loss);
  BOOST_TEST(plateau.best() == 1.0);
  BOOST_TEST(plateau.num_bad_epochs() == 2);
  BOOST_TEST(sgd->lr() == 1.0);  // two bad epochs: not more than patience yet
  plateau.step(1.0);
  BOOST_TEST(sgd->lr() == 0.5);
  BOOST_TEST(plateau.in_cooldown());
  for (double loss : {1.0, 1.0, 1.0, 1.0}) plateau.step(loss);
  BOOST_TEST(sgd->lr() == 0.5);  // cooldown (2 epochs) then 2 bad epochs
  plateau.step(1.0);
  BOOST_TEST(sgd->lr() == 0.25);
  plateau.step(0.5);
  BOOST_TEST(plateau.best() == 0.5);
}

BOOST_AUTO_TEST_CASE(rejects_invalid_options) {
  auto sgd = make_sgd({0.1});
  using V = xg::ValueError;
  check_throws<V>([&] { opt::StepLR(*sgd, 0); }, {"StepLR: invalid step_size = 0 (expected >= 1)"});
  check_throws<V>([&] { opt::StepLR(*sgd, 2, -1.0); }, {"StepLR: invalid gamma = -1"});
  check_throws<V>([&] { opt::ExponentialLR(*sgd, 0.0); }, {"ExponentialLR: invalid gamma = 0"});
  check_throws<V>([&] { opt::CosineAnnealingLR(*sgd, 0); }, {"CosineAnnealingLR: invalid t_max = 0"});
  check_throws<V>([&] { opt::CosineAnnealingLR(*sgd, 5, -0.1); }, {"invalid eta_min = -0.1"});
  check_throws<V>([&] { opt::LinearWarmup(*sgd, {.start_factor = 0.0}); },
                  {"LinearWarmup: invalid start_factor = 0 (expected 0 < start_factor <= 1)"});
  check_throws<V>([&] { opt::LinearWarmup(*sgd, {.warmup_steps = 0}); }, {"invalid warmup_steps = 0"});
  check_throws<V>([&] { opt::ReduceLROnPlateau(*sgd, {.factor = 1.0}); },
                  {"ReduceLROnPlateau: invalid factor = 1 (expected 0 <= factor < 1)"});
  check_throws<V>([&] { opt::ReduceLROnPlateau(*sgd, {.mode = "median"}); },
                  {"invalid mode 'median' (expected 'max' or 'min')"});
  check_throws<V>([&] { opt::ReduceLROnPlateau(*sgd, {.threshold_mode = "relative"}); },
                  {"invalid threshold_mode 'relative'"});
  check_throws<V>([&] { opt::ReduceLROnPlateau(*sgd, {.min_lrs = {0.1, 0.2}}); },
                  {"min_lrs has 2 entries but the optimizer has 1 parameter group(s)"});
  auto other = make_sgd({0.1});
  auto foreign = std::make_shared<opt::StepLR>(*other, 2);
  check_throws<V>([&] { opt::LinearWarmup(*sgd, {}, foreign); }, {"the inner StepLR drives another optimizer"});
}

BOOST_AUTO_TEST_CASE(group_count_change_is_reported) {
  auto sgd = make_sgd({0.1});
  opt::StepLR scheduler(*sgd, 2);
  sgd->add_param_group({xg::zeros({1}, {.requires_grad = true})}, 0.2);
  check_throws<xg::ValueError>([&] { scheduler.step(); },
                               {"StepLR.step: the optimizer (SGD) has 2 parameter group(s)", "created for 1"});
}

BOOST_AUTO_TEST_CASE(scheduler_on_an_unbound_optimizer) {
  // Keras-style: the schedule is set up before fit() binds the weights.
  opt::Adam adam({.lr = 0.1});
  opt::StepLR scheduler(adam, 1, 0.5);
  adam.set_parameters({xg::zeros({2}, {.requires_grad = true})});
  scheduler.step();
  BOOST_TEST(adam.lr() == 0.05);
}

BOOST_AUTO_TEST_SUITE_END()
