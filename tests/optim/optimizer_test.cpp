// Optimizer base behaviour: state_dict round trips, zero_grad, parameters without a gradient, lazy
// binding, parameter groups, option validation, Keras names, determinism across thread counts and
// an end-to-end minimisation through autograd.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "helpers.hpp"

namespace bdata = boost::unit_test::data;
namespace opt = xg::optim;
using namespace optim_test;

namespace {

std::vector<xg::Tensor> clone_params(const std::vector<xg::Tensor>& params) {
  std::vector<xg::Tensor> copies;
  for (const auto& p : params) copies.push_back(p.detach().clone().requires_grad_());
  return copies;
}

void run_steps(opt::Optimizer& optimizer, const std::vector<xg::Tensor>& params, int first, int last) {
  for (int step = first; step <= last; ++step) {
    set_reference_grads(params, step);
    optimizer.step();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optimizer_state_dict)

BOOST_DATA_TEST_CASE(resume_equals_uninterrupted_run, bdata::make(optimizer_case_names()), name) {
  const auto& c = optimizer_case(name);
  auto params = make_params();
  auto optimizer = build_optimizer(c, params);
  run_steps(*optimizer, params, 1, 3);
  const auto saved = optimizer->state_dict();

  // A fresh optimizer over fresh parameters holding the values after step 3.
  auto resumed_params = clone_params(params);
  auto resumed = build_optimizer(c, resumed_params);
  resumed->load_state_dict(saved);
  run_steps(*optimizer, params, 4, 5);
  run_steps(*resumed, resumed_params, 4, 5);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto a = params[i].to_vector<double>(), b = resumed_params[i].to_vector<double>();
    BOOST_TEST(a == b, boost::test_tools::per_element());
    check_close(b, c.trajectory.back()[i], name + " resumed param " + std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE(documented_keys) {
  auto params = make_params();
  opt::Adam adam(params, {.lr = 0.01, .amsgrad = true});
  set_reference_grads(params, 1);
  adam.step();
  const auto dict = adam.state_dict();
  std::vector<std::string> keys;
  for (const auto& [key, value] : dict) keys.push_back(key);
  const std::vector<std::string> expected = {
      "param_groups.0.lr",     "param_groups.0.params",  "state.0.exp_avg",    "state.0.exp_avg_sq",
      "state.0.max_exp_avg_sq", "state.0.step",          "state.1.exp_avg",    "state.1.exp_avg_sq",
      "state.1.max_exp_avg_sq", "state.1.step"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST(dict.at("param_groups.0.lr").item() == 0.01);
  BOOST_TEST((dict.at("param_groups.0.params").to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1}));
  BOOST_TEST(dict.at("state.1.step").item() == 1.0);
  BOOST_TEST((dict.at("state.0.exp_avg").shape() == xg::Shape{2, 3}));
}

BOOST_AUTO_TEST_CASE(is_a_snapshot) {
  auto params = make_params();
  opt::SGD sgd(params, {.lr = 0.1, .momentum = 0.9});
  set_reference_grads(params, 1);
  sgd.step();
  const auto dict = sgd.state_dict();
  const auto before = dict.at("state.0.momentum_buffer").to_vector<double>();
  sgd.step();
  BOOST_TEST(dict.at("state.0.momentum_buffer").to_vector<double>() == before, boost::test_tools::per_element());
  BOOST_TEST(sgd.state(0).at("momentum_buffer").to_vector<double>() != before);
}

BOOST_AUTO_TEST_CASE(groups_and_initial_lr_round_trip) {
  auto params = make_params();
  opt::SGD a({params[0]}, {.lr = 0.1});
  a.add_param_group({params[1]}, 0.5);
  opt::StepLR scheduler(a, 2, 0.5);
  a.set_group_lr(1, 0.25);
  auto fresh = clone_params(params);
  opt::SGD b({fresh[0]}, {.lr = 0.1});
  b.add_param_group({fresh[1]});
  b.load_state_dict(a.state_dict());
  BOOST_TEST(b.param_groups()[1].lr == 0.25);
  BOOST_TEST(b.param_groups()[1].initial_lr.value_or(-1.0) == 0.5);
  BOOST_TEST(b.param_groups()[0].initial_lr.value_or(-1.0) == 0.1);
}

BOOST_AUTO_TEST_CASE(rejects_mismatched_dicts_without_changing_anything) {
  auto params = make_params();
  opt::Adam adam(params, {.lr = 0.01});
  set_reference_grads(params, 1);
  adam.step();
  const auto adam_dict = adam.state_dict();

  opt::SGD sgd(clone_params(params), {.lr = 0.3, .momentum = 0.9});
  check_throws<xg::ValueError>([&] { sgd.load_state_dict(adam_dict); },
                               {"SGD.load_state_dict", "unexpected state 'exp_avg'", "momentum_buffer"});
  BOOST_TEST(sgd.lr() == 0.3);

  auto missing = adam_dict;
  missing.erase("param_groups.0.lr");
  opt::Adam other(clone_params(params), {.lr = 0.02});
  check_throws<xg::ValueError>([&] { other.load_state_dict(missing); }, {"missing key 'param_groups.0.lr'"});
  BOOST_TEST(other.state(0).empty());

  auto wrong_shape = adam_dict;
  wrong_shape["state.1.exp_avg"] = xg::zeros({3}, {.dtype = xg::kFloat64});
  check_throws<xg::ValueError>([&] { other.load_state_dict(wrong_shape); },
                               {"'state.1.exp_avg' has shape [3]", "parameter 1 has shape [2]"});

  auto unknown = adam_dict;
  unknown["momentum"] = xg::scalar_tensor(0.9);
  check_throws<xg::ValueError>([&] { other.load_state_dict(unknown); }, {"unexpected key 'momentum'"});

  opt::Adam one_param({clone_params(params)[0]});
  check_throws<xg::ValueError>([&] { one_param.load_state_dict(adam_dict); },
                               {"'param_groups.0.params' lists 2", "holds 1 parameters"});
  BOOST_TEST(other.lr() == 0.02);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(optimizer_base)

BOOST_AUTO_TEST_CASE(zero_grad_clears_gradients) {
  auto w = xg::ones({3}, {.dtype = xg::kFloat64, .requires_grad = true});
  (w * w).sum().backward();
  BOOST_TEST_REQUIRE(w.grad().defined());
  opt::SGD sgd({w}, {.lr = 0.1});
  sgd.zero_grad();
  BOOST_TEST(!w.grad().defined());
  sgd.step();  // nothing to do: no parameter has a gradient
  BOOST_TEST(w.to_vector<double>() == std::vector<double>(3, 1.0), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parameters_without_grad_are_skipped) {
  auto params = make_params();
  const auto untouched = params[1].to_vector<double>();
  opt::Adam adam(params, {.lr = 0.1});
  set_reference_grads({params[0]}, 1);
  adam.step();
  BOOST_TEST(params[1].to_vector<double>() == untouched, boost::test_tools::per_element());
  BOOST_TEST(adam.state(1).empty());
  BOOST_TEST(adam.state(0).at("step").item() == 1.0);
  BOOST_TEST(params[0].to_vector<double>() != make_params()[0].to_vector<double>());
}

BOOST_AUTO_TEST_CASE(lazy_binding_matches_eager_construction) {
  opt::Adam lazy({.lr = 0.05});
  check_throws<xg::ValueError>([&] { lazy.step(); }, {"optimizer has no parameters: Adam.step()", "set_parameters"});
  BOOST_TEST(lazy.num_parameters() == 0u);
  BOOST_TEST(lazy.lr() == 0.05);

  auto eager_params = make_params();
  auto lazy_params = make_params();
  opt::Adam eager(eager_params, {.lr = 0.05});
  lazy.set_parameters(lazy_params);
  BOOST_TEST(lazy.num_parameters() == 2u);
  run_steps(eager, eager_params, 1, 3);
  run_steps(lazy, lazy_params, 1, 3);
  for (std::size_t i = 0; i < 2; ++i)
    BOOST_TEST(eager_params[i].to_vector<double>() == lazy_params[i].to_vector<double>(),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_parameter_list_is_an_error_at_construction) {
  // The usual cause: model.parameters() of a model whose lazy layers have not run yet.
  xg::nn::Sequential model{xg::nn::Dense(4), xg::nn::Dense(2)};
  BOOST_TEST_REQUIRE(model.parameters().empty());
  check_throws<xg::ValueError>([&] { opt::Adam(model.parameters(), {.lr = 1e-3}); },
                               {"Adam was given no parameters",
                                "did you call model.parameters() before the lazy layers were built?",
                                "Adam({.lr = ...})", "set_parameters()"});
  check_throws<xg::ValueError>([] { opt::SGD(std::vector<xg::Tensor>{}, {.lr = 0.1}); },
                               {"SGD was given no parameters"});
  check_throws<xg::ValueError>([] { opt::AdamW(std::vector<xg::Tensor>{}); }, {"AdamW was given no parameters"});
  check_throws<xg::ValueError>([] { opt::RMSprop(std::vector<xg::Tensor>{}); }, {"RMSprop was given no parameters"});
  check_throws<xg::ValueError>([] { opt::Adagrad(std::vector<xg::Tensor>{}); }, {"Adagrad was given no parameters"});
  check_throws<xg::ValueError>([] { opt::Adadelta(std::vector<xg::Tensor>{}); }, {"Adadelta was given no parameters"});

  // Without a parameter list (the Keras path: compile binds them after the first build) it is fine.
  BOOST_CHECK_NO_THROW(opt::Adam({.lr = 1e-3}));
  BOOST_CHECK_NO_THROW(opt::SGD({.lr = 0.1}));
  for (const auto& name : opt::optimizer_names()) BOOST_CHECK_NO_THROW(opt::make_optimizer(name));
  // Once the model has run, its parameters bind.
  model(xg::ones({3, 5}));
  opt::Adam adam(model.parameters(), {.lr = 1e-3});
  BOOST_TEST(adam.num_parameters() == 4u);
}

BOOST_AUTO_TEST_CASE(set_parameters_rebinds_and_clears_state) {
  auto first = make_params();
  opt::SGD sgd(first, {.lr = 0.1, .momentum = 0.9});
  sgd.set_lr(0.2);
  set_reference_grads(first, 1);
  sgd.step();
  BOOST_TEST(!sgd.state(0).empty());
  auto second = make_params();
  sgd.set_parameters({second[1]});
  BOOST_TEST(sgd.num_parameters() == 1u);
  BOOST_TEST(sgd.state(0).empty());
  BOOST_TEST(sgd.lr() == 0.2);
}

BOOST_AUTO_TEST_CASE(parameter_groups_and_learning_rates) {
  auto params = make_params();
  opt::SGD sgd({params[0]}, {.lr = 0.1});
  sgd.add_param_group({params[1]});
  BOOST_TEST(sgd.param_groups().size() == 2u);
  BOOST_TEST(sgd.param_groups()[1].lr == 0.1);  // the options' lr
  sgd.set_group_lr(1, 0.0);
  set_reference_grads(params, 1);
  const auto frozen = params[1].to_vector<double>();
  sgd.step();
  BOOST_TEST(params[1].to_vector<double>() == frozen, boost::test_tools::per_element());
  sgd.set_lr(0.3);
  BOOST_TEST(sgd.param_groups()[0].lr == 0.3);
  BOOST_TEST(sgd.param_groups()[1].lr == 0.3);
  check_throws<xg::ValueError>([&] { sgd.set_lr(-1.0); }, {"SGD.set_lr: invalid lr = -1 (expected >= 0)"});
  check_throws<xg::ValueError>([&] { sgd.add_param_group({params[0]}); },
                               {"SGD.add_param_group", "appears more than once"});

  opt::Adagrad empty;
  empty.add_param_group({params[0]}, 0.5);  // fills the empty group of an unbound optimizer
  BOOST_TEST(empty.param_groups().size() == 1u);
  BOOST_TEST(empty.lr() == 0.5);
}

BOOST_AUTO_TEST_CASE(rejects_invalid_parameters) {
  auto w = xg::ones({2}, {.requires_grad = true});
  check_throws<xg::ValueError>([] { opt::SGD({xg::zeros({2}, {.dtype = xg::kInt64})}); },
                               {"SGD.set_parameters", "parameter 0", "int64"});
  check_throws<xg::ValueError>([&] { opt::Adam({w * 2.0}); }, {"Adam.set_parameters", "not a leaf"});
  check_throws<xg::ValueError>([&] { opt::RMSprop({w, w}); }, {"parameter 1", "appears more than once"});
  check_throws<xg::ValueError>([] { opt::Adagrad({xg::Tensor()}); }, {"parameter 0 is an undefined tensor"});
  auto named = xg::ones({2}, {.dtype = xg::kInt64});
  named.set_name("fc.weight");
  check_throws<xg::ValueError>([&] { opt::SGD({named}); }, {"parameter 0 ('fc.weight')"});
}

BOOST_AUTO_TEST_CASE(rejects_invalid_options) {
  using V = xg::ValueError;
  check_throws<V>([] { opt::SGD({.lr = -0.1}); }, {"SGD: invalid lr = -0.1 (expected >= 0)"});
  check_throws<V>([] { opt::SGD({.momentum = -0.5}); }, {"SGD: invalid momentum = -0.5"});
  check_throws<V>([] { opt::SGD({.dampening = 1.5}); }, {"SGD: invalid dampening = 1.5"});
  check_throws<V>([] { opt::SGD({.nesterov = true}); }, {"SGD: invalid momentum = 0", "nesterov"});
  check_throws<V>([] { opt::SGD({.momentum = 0.9, .dampening = 0.1, .nesterov = true}); }, {"dampening = 0.1"});
  check_throws<V>([] { opt::Adam({.betas = {0.9, 1.0}}); }, {"Adam: invalid betas[1] = 1 (expected 0 <= beta < 1)"});
  check_throws<V>([] { opt::Adam({.betas = {-0.1, 0.9}}); }, {"Adam: invalid betas[0] = -0.1"});
  check_throws<V>([] { opt::Adam({.eps = 0.0}); }, {"Adam: invalid eps = 0 (expected > 0)"});
  check_throws<V>([] { opt::Adam({.weight_decay = -1e-3}); }, {"Adam: invalid weight_decay = -0.001"});
  check_throws<V>([] { opt::AdamW({.weight_decay = -1.0}); }, {"AdamW: invalid weight_decay = -1"});
  check_throws<V>([] { opt::RMSprop({.alpha = 1.5}); }, {"RMSprop: invalid alpha = 1.5"});
  check_throws<V>([] { opt::RMSprop({.eps = -1e-7}); }, {"RMSprop: invalid eps = -1e-07"});
  check_throws<V>([] { opt::Adagrad({.lr_decay = -0.1}); }, {"Adagrad: invalid lr_decay = -0.1"});
  check_throws<V>([] { opt::Adagrad({.initial_accumulator_value = -1.0}); },
                  {"Adagrad: invalid initial_accumulator_value = -1"});
  check_throws<V>([] { opt::Adadelta({.rho = 2.0}); }, {"Adadelta: invalid rho = 2 (expected 0 <= rho <= 1)"});
  check_throws<V>([] { opt::Adadelta({.lr = std::nan("")}); }, {"Adadelta: invalid lr = nan"});
}

BOOST_AUTO_TEST_CASE(defaults) {
  const opt::Adam adam;
  BOOST_TEST(adam.options().eps == 1e-8);  // PyTorch's, not Keras' 1e-7
  BOOST_TEST(adam.lr() == 1e-3);
  const opt::AdamW adamw;
  BOOST_TEST(adamw.options().weight_decay == 1e-2);
  BOOST_TEST(adamw.decoupled_weight_decay());
  BOOST_TEST(adamw.name() == "AdamW");
  const opt::RMSprop rmsprop;
  BOOST_TEST(rmsprop.options().alpha == 0.9);
  BOOST_TEST(rmsprop.options().eps == 1e-7);
  BOOST_TEST(rmsprop.lr() == 1e-3);
  const opt::Adagrad adagrad;
  BOOST_TEST(adagrad.options().initial_accumulator_value == 0.1);
  const opt::Adadelta adadelta;
  BOOST_TEST(adadelta.options().rho == 0.95);
}

BOOST_AUTO_TEST_CASE(keras_names) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"sgd", "SGD"}, {"adam", "Adam"}, {"adamw", "AdamW"}, {"rmsprop", "RMSprop"}, {"adagrad", "Adagrad"},
      {"adadelta", "Adadelta"}, {"Adam", "Adam"}, {"RMSprop", "RMSprop"}};
  for (const auto& [keras, name] : expected) {
    const auto optimizer = opt::make_optimizer(keras);
    BOOST_TEST(optimizer->name() == name);
    BOOST_TEST(optimizer->num_parameters() == 0u);
  }
  BOOST_TEST(opt::make_optimizer("sgd")->lr() == 0.01);
  BOOST_TEST(opt::make_optimizer("adam")->lr() == 0.001);
  BOOST_TEST(opt::make_optimizer("adadelta")->lr() == 0.001);
  check_throws<xg::ValueError>([] { opt::make_optimizer("adamax"); },
                               {"unknown optimizer 'adamax'", "sgd, adam, adamw, rmsprop, adagrad, adadelta"});
  BOOST_TEST(opt::optimizer_names().size() == 6u);
}

BOOST_AUTO_TEST_CASE(bound_through_keras_name) {
  auto params = make_params();
  auto optimizer = opt::make_optimizer("adam");
  optimizer->set_parameters(params);
  auto reference = make_params();
  opt::Adam adam(reference, {.eps = 1e-7});  // the Keras name carries Keras' eps
  run_steps(*optimizer, params, 1, 2);
  run_steps(adam, reference, 1, 2);
  BOOST_TEST(params[0].to_vector<double>() == reference[0].to_vector<double>(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(update_is_identical_at_any_thread_count) {
  const int threads = xg::get_num_threads();
  auto run = [](int n) {
    xg::set_num_threads(n);
    xg::manual_seed(7);
    auto w = xg::randn({100003}).requires_grad_();
    opt::Adam adam({w}, {.lr = 0.01, .weight_decay = 0.1});
    for (int step = 1; step <= 3; ++step) {
      w.set_grad(xg::full_like(w, 0.5) + w.detach() * static_cast<double>(step));
      adam.step();
    }
    return w.to_vector<float>();
  };
  const auto one = run(1);
  const auto two = run(2);
  xg::set_num_threads(threads);
  BOOST_TEST(one == two, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(adam_minimises_a_quadratic) {
  // loss(w) = sum((A w - b)^2) with A = diag(1, 2, 3, 0.5): minimum 0 at w = b / diag.
  auto w = xg::zeros({4}, {.dtype = xg::kFloat64, .requires_grad = true});
  const auto a = xg::tensor({1.0, 2.0, 3.0, 0.5}, {.dtype = xg::kFloat64});
  const auto b = xg::tensor({1.0, -2.0, 3.0, 0.25}, {.dtype = xg::kFloat64});
  opt::Adam adam({w}, {.lr = 0.05});
  double first = 0.0, loss_value = 0.0;
  for (int i = 0; i < 600; ++i) {
    adam.zero_grad();
    const auto r = a * w - b;
    const auto loss = (r * r).sum();
    loss_value = loss.item();
    if (i == 0) first = loss_value;
    loss.backward();
    adam.step();
  }
  BOOST_TEST(first > 10.0);
  BOOST_TEST(loss_value < 1e-8);
  const auto solution = w.to_vector<double>();
  const std::vector<double> expected = {1.0, -1.0, 1.0, 0.5};
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(std::abs(solution[i] - expected[i]) < 1e-4);
}

BOOST_AUTO_TEST_SUITE_END()
