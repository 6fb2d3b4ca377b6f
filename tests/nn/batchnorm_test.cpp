// BatchNorm1d / BatchNorm2d: hand-checked normalization and running statistics (PyTorch's
// momentum convention, unbiased running variance, cumulative average), eval mode, options,
// lazy channels, state_dict buffers, errors, and gradchecks (first and second order) with the
// parameters in float64.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <cmath>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
using namespace nn_test;
namespace nn = xg::nn;

namespace {

constexpr double kEps = 1e-5;
const nn::BatchNormOptions kF64{.dtype = xg::kFloat64};

double normalized(double x, double mean, double var) { return (x - mean) / std::sqrt(var + kEps); }

}  // namespace

BOOST_AUTO_TEST_SUITE(batchnorm)

BOOST_AUTO_TEST_CASE(training_normalizes_each_channel) {
  xg::manual_seed(31);
  nn::BatchNorm1d bn(3, kF64);
  // Channels with very different means and scales.
  const Tensor x = xg::randn({64, 3}, {.dtype = xg::kFloat64}) * f64({1.0, 5.0, 0.1}) + f64({0.0, 10.0, -3.0});
  const Tensor y = bn(x);
  const auto means = y.mean({0}).to_vector<double>();
  const auto vars = xg::var(y, {0}, false, 0).to_vector<double>();
  for (int c = 0; c < 3; ++c) {
    BOOST_TEST(std::abs(means[c]) < 1e-12, "channel " << c << " mean " << means[c]);
    BOOST_TEST(std::abs(vars[c] - 1.0) < 2e-3, "channel " << c << " variance " << vars[c]);
  }
}

BOOST_AUTO_TEST_CASE(hand_checked_values_and_running_statistics) {
  nn::BatchNorm1d bn(1, kF64);
  // Batch 1: mean 2, biased var 1, unbiased var 2.
  expect_values(bn(f64({{1}, {3}})), {2, 1}, {normalized(1, 2, 1), normalized(3, 2, 1)}, 1e-12);
  expect_values(bn.running_mean, {1}, {0.9 * 0 + 0.1 * 2}, 1e-12);
  expect_values(bn.running_var, {1}, {0.9 * 1 + 0.1 * 2}, 1e-12);
  BOOST_TEST(bn.num_batches_tracked.item() == 1);
  // Batch 2: mean 2, biased var 4, unbiased var 8.
  expect_values(bn(f64({{0}, {4}})), {2, 1}, {normalized(0, 2, 4), normalized(4, 2, 4)}, 1e-12);
  expect_values(bn.running_mean, {1}, {0.38}, 1e-12);
  expect_values(bn.running_var, {1}, {0.9 * 1.1 + 0.8}, 1e-12);
  BOOST_TEST(bn.num_batches_tracked.item() == 2);
  // Eval: the running statistics, then weight and bias.
  bn.eval();
  bn.load_state_dict({{"weight", f64({2})}, {"bias", f64({1})}}, /*strict=*/false);
  expect_values(bn(f64({{0.38}, {2.38}})), {2, 1}, {1, 2 * normalized(2.38, 0.38, 1.79) + 1}, 1e-12);
  // Eval does not touch the running statistics.
  expect_values(bn.running_mean, {1}, {0.38}, 1e-12);
  BOOST_TEST(bn.num_batches_tracked.item() == 2);
}

BOOST_AUTO_TEST_CASE(momentum_option_and_cumulative_average) {
  nn::BatchNorm1d fast(1, {.momentum = 0.5, .dtype = xg::kFloat64});
  fast(f64({{1}, {3}}));
  expect_values(fast.running_mean, {1}, {1.0}, 1e-12);
  expect_values(fast.running_var, {1}, {1.5}, 1e-12);
  // momentum = nullopt: the plain average of the batch statistics.
  nn::BatchNorm1d cumulative(1, {.momentum = std::nullopt, .dtype = xg::kFloat64});
  cumulative(f64({{1}, {3}}));
  cumulative(f64({{5}, {7}}));
  cumulative(f64({{-1}, {3}}));
  expect_values(cumulative.running_mean, {1}, {(2.0 + 6.0 + 1.0) / 3}, 1e-12);
  expect_values(cumulative.running_var, {1}, {(2.0 + 2.0 + 8.0) / 3}, 1e-12);
  BOOST_TEST(cumulative.describe() ==
             "BatchNorm1d(1, eps=1e-05, momentum=None, affine=true, track_running_stats=true)");
}

BOOST_AUTO_TEST_CASE(batchnorm2d_over_batch_and_space) {
  nn::BatchNorm2d bn(2, kF64);
  // x [2, 2, 1, 2]: channel 0 holds 1, 2, 3, 4 (mean 2.5, var 1.25); channel 1 holds 0, 0, 0, 4 (mean 1, var 3).
  const Tensor x = f64({{{{1, 2}}, {{0, 0}}}, {{{3, 4}}, {{0, 4}}}});
  const Tensor y = bn(x);
  auto n0 = [](double v) { return normalized(v, 2.5, 1.25); };
  auto n1 = [](double v) { return normalized(v, 1.0, 3.0); };
  expect_values(y, {2, 2, 1, 2}, {n0(1), n0(2), n1(0), n1(0), n0(3), n0(4), n1(0), n1(4)}, 1e-12);
  // Unbiased variances over 4 values: 5/3 and 4.
  expect_values(bn.running_mean, {2}, {0.25, 0.1}, 1e-12);
  expect_values(bn.running_var, {2}, {0.9 + 0.1 * 5.0 / 3.0, 0.9 + 0.4}, 1e-12);
}

BOOST_AUTO_TEST_CASE(batchnorm1d_on_sequences) {
  nn::BatchNorm1d bn(1, kF64);
  // x [2, 1, 2]: one channel with 1, 3, 5, 7 (mean 4, var 5).
  expect_values(bn(f64({{{1, 3}}, {{5, 7}}})), {2, 1, 2},
                {normalized(1, 4, 5), normalized(3, 4, 5), normalized(5, 4, 5), normalized(7, 4, 5)}, 1e-12);
}

BOOST_AUTO_TEST_CASE(options_without_running_stats_or_affine) {
  nn::BatchNorm1d plain(1, {.track_running_stats = false, .dtype = xg::kFloat64});
  BOOST_TEST(plain.buffers().empty());
  BOOST_TEST(plain.state_dict().size() == 2u);
  plain.eval();  // still the batch statistics
  expect_values(plain(f64({{1}, {3}})), {2, 1}, {normalized(1, 2, 1), normalized(3, 2, 1)}, 1e-12);
  nn::BatchNorm1d no_affine(2, {.affine = false});
  BOOST_TEST(no_affine.parameters().empty());
  BOOST_TEST(!no_affine.weight.defined());
  BOOST_TEST(no_affine.buffers().size() == 3u);
  expect_values(no_affine(xg::tensor({{1, 10}, {3, 30}})), {2, 2},
                {normalized(1, 2, 1), normalized(10, 20, 100), normalized(3, 2, 1), normalized(30, 20, 100)}, 1e-5);
}

BOOST_AUTO_TEST_CASE(lazy_num_features) {
  nn::BatchNorm2d bn(-1);
  BOOST_TEST(!bn.built());
  BOOST_TEST(bn.state_dict().empty());
  BOOST_TEST(bn.describe() == "BatchNorm2d(?, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  bn(xg::randn({2, 5, 3, 3}));
  BOOST_TEST(bn.num_features() == 5);
  BOOST_TEST(xg::shape_str(bn.weight.shape()) == "[5]");
  BOOST_TEST(xg::shape_str(bn.running_var.shape()) == "[5]");
  BOOST_TEST(bn.count_parameters().trainable == 10);
}

BOOST_AUTO_TEST_CASE(state_dict_holds_parameters_and_buffers) {
  nn::BatchNorm1d bn(3, {.name = "bn"});
  const auto dict = bn.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : dict) keys.push_back(k);
  const std::vector<std::string> expected = {"bias", "num_batches_tracked", "running_mean", "running_var", "weight"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST((dict.at("num_batches_tracked").dtype() == xg::kInt64));
  BOOST_TEST(dict.at("num_batches_tracked").dim() == 0);
  BOOST_TEST(!dict.at("running_mean").requires_grad());
  BOOST_TEST(bn.count_parameters().trainable == 6);
  // Round trip: a fresh layer loaded with a trained one's state gives the same eval outputs.
  xg::manual_seed(32);
  for (int i = 0; i < 3; ++i) bn(xg::randn({8, 3}) * 3.0 + 1.0);
  nn::BatchNorm1d fresh(3);
  fresh.load_state_dict(bn.state_dict());
  bn.eval();
  fresh.eval();
  const Tensor x = xg::randn({4, 3});
  BOOST_TEST(fresh(x).to_vector<double>() == bn(x).to_vector<double>(), boost::test_tools::per_element());
  BOOST_TEST(fresh.num_batches_tracked.item() == 3);
}

BOOST_AUTO_TEST_CASE(errors_name_the_layer) {
  nn::BatchNorm1d bn(3, {.name = "bn"});
  expect_error<xg::ShapeError>([&] { bn(xg::ones({4, 5})); },
                               {"bn (BatchNorm1d) expects input of shape (None, 3) but got (None, 5)",
                                "normalizes 3 channels on axis 1 (num_features = 3)"});
  expect_error<xg::ShapeError>([&] { bn(xg::ones({4})); },
                               {"bn (BatchNorm1d) cannot take input of shape (4,)", "takes [N, C] or [N, C, L]"});
  nn::BatchNorm2d bn2(3, {.name = "bn2"});
  expect_error<xg::ShapeError>([&] { bn2(xg::ones({4, 3})); },
                               {"bn2 (BatchNorm2d) cannot take input of shape (None, 3)", "takes [N, C, H, W]",
                                "use BatchNorm1d"});
  nn::BatchNorm2d lazy(-1, {.name = "lazy_bn"});
  lazy(xg::ones({2, 3, 2, 2}));
  expect_error<xg::ShapeError>([&] { lazy(xg::ones({2, 4, 2, 2})); },
                               {"lazy_bn (BatchNorm2d) expects input of shape (None, 3, None, None) "
                                "but got (None, 4, 2, 2)",
                                "inferred from its first input"});
  expect_error<xg::ValueError>([&] { bn(xg::ones({1, 3})); }, {"layer 'bn'", "more than 1 value per channel", "[1, 3]"});
  expect_error<xg::ValueError>([] { nn::functional::batch_norm(xg::ones({1, 3}), {}, {}, {}, {}, true); },
                               {"batch_norm: expected more than 1 value per channel"});
  bn.eval();
  BOOST_TEST(xg::shape_str(bn(xg::ones({1, 3})).shape()) == "[1, 3]");  // fine with running stats
  expect_error<xg::ValueError>([] { nn::BatchNorm1d(0); }, {"num_features must be positive", "got 0"});
  expect_error<xg::ValueError>([] { nn::BatchNorm1d(2, {.momentum = 1.5}); }, {"momentum must be in [0, 1], got 1.5"});
  expect_error<xg::ValueError>([] { nn::BatchNorm1d(2, {.eps = 0}); }, {"eps must be positive, got 0"});
  namespace F = nn::functional;
  expect_error<xg::ShapeError>([] { F::batch_norm(xg::ones({2, 3}), {}, {}, xg::ones({2}), {}, true); },
                               {"batch_norm: weight of shape [2]", "3 channels"});
}

BOOST_AUTO_TEST_CASE(gradcheck_batchnorm1d_with_parameters) {
  xg::manual_seed(33);
  nn::BatchNorm1d bn(3, kF64);
  bn.load_state_dict({{"weight", f64({0.5, -1.5, 2.0})}, {"bias", f64({0.1, 0.2, -0.3})}}, false);
  const Tensor x = randn64({5, 3});
  auto fn = [&](const std::vector<Tensor>&) { return bn(x); };
  expect_gradcheck(fn, {x, bn.weight, bn.bias});
  expect_gradgradcheck(fn, {x, bn.weight, bn.bias});
  // Eval mode: an affine map of x with the running statistics.
  bn.eval();
  expect_gradcheck(fn, {x, bn.weight, bn.bias});
  // [N, C, L] input.
  bn.train();
  const Tensor seq = randn64({3, 3, 2});
  expect_gradcheck([&](const std::vector<Tensor>&) { return bn(seq); }, {seq, bn.weight, bn.bias});
}

BOOST_AUTO_TEST_CASE(gradcheck_batchnorm2d_with_parameters) {
  xg::manual_seed(34);
  nn::BatchNorm2d bn(2, kF64);
  bn.load_state_dict({{"weight", f64({1.5, -0.5})}, {"bias", f64({0.3, 0.0})}}, false);
  const Tensor x = randn64({2, 2, 2, 3});
  auto fn = [&](const std::vector<Tensor>&) { return bn(x); };
  expect_gradcheck(fn, {x, bn.weight, bn.bias});
  expect_gradgradcheck(fn, {x, bn.weight, bn.bias});
}

BOOST_AUTO_TEST_SUITE_END()
