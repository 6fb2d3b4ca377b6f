// Dropout, Flatten, Reshape and the activation layers: values, modes, statistics of the dropout
// mask, seeding, gradients (gradcheck with a fixed mask), and error messages.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <cmath>
#include <functional>
#include <memory>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
using namespace nn_test;
namespace nn = xg::nn;
namespace F = xg::nn::functional;

namespace {

// Fraction of exact zeros and the set of non-zero values of a dropout output of ones.
struct MaskStats {
  double dropped = 0;
  bool only_zero_or_scale = true;
};

MaskStats mask_stats(const Tensor& y, double scale) {
  MaskStats s;
  const auto v = y.to_vector<double>();
  for (double x : v) {
    if (x == 0.0) s.dropped += 1;
    else if (std::abs(x - scale) > 1e-6 * scale) s.only_zero_or_scale = false;
  }
  s.dropped /= static_cast<double>(v.size());
  return s;
}

Tensor inputs() { return xg::tensor({-2, -0.5, 0, 1.5}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(dropout_layer)

BOOST_AUTO_TEST_CASE(training_mode_drops_about_rate_and_scales_the_rest) {
  xg::manual_seed(21);
  nn::Dropout drop(0.3);
  BOOST_TEST(drop.is_training());
  const Tensor y = drop(xg::ones({200, 250}));
  const MaskStats s = mask_stats(y, 1.0 / 0.7);
  BOOST_TEST(s.only_zero_or_scale);
  BOOST_TEST(std::abs(s.dropped - 0.3) < 0.01, "dropped fraction " << s.dropped);
  // Inverted dropout keeps the expectation: the mean stays ~1.
  BOOST_TEST(std::abs(y.mean().item() - 1.0) < 0.02);
  BOOST_TEST(xg::shape_str(y.shape()) == "[200, 250]");
}

BOOST_AUTO_TEST_CASE(eval_mode_and_rate_zero_are_the_identity) {
  nn::Dropout drop(0.5);
  drop.eval();
  const Tensor x = xg::randn({10, 10});
  BOOST_TEST(drop(x).is_same(x));
  nn::Dropout none(0.0);
  BOOST_TEST(none(x).is_same(x));
  BOOST_TEST(F::dropout(x, 0.9, /*training=*/false).is_same(x));
  drop.train();
  BOOST_TEST(mask_stats(drop(xg::ones({1000})), 2.0).dropped > 0.4);
}

BOOST_AUTO_TEST_CASE(same_seed_same_mask_at_any_thread_count) {
  const int threads = xg::get_num_threads();
  auto run = [](std::uint64_t seed, int n_threads) {
    xg::set_num_threads(n_threads);
    xg::manual_seed(seed);
    return F::dropout(xg::ones({300, 300}), 0.5).to_vector<double>();
  };
  const auto a = run(7, 1);
  const auto b = run(7, 2);
  const auto c = run(8, 2);
  xg::set_num_threads(threads);
  BOOST_TEST(a == b, boost::test_tools::per_element());
  BOOST_TEST(a != c);
}

BOOST_AUTO_TEST_CASE(gradient_is_the_scaled_mask) {
  xg::manual_seed(22);
  const Tensor x = xg::ones({50}, {.requires_grad = true});
  const Tensor y = F::dropout(x, 0.2);
  y.sum().backward();
  // d(sum y)/dx = mask / (1 - p) = y for an input of ones.
  BOOST_TEST(x.grad().to_vector<double>() == y.to_vector<double>(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradcheck_with_a_fixed_mask) {
  xg::manual_seed(23);
  const Tensor x = randn64({3, 4});
  const Tensor mask = f64({{1, 0, 1, 1}, {0, 1, 1, 0}, {1, 1, 0, 1}});
  expect_values(F::dropout_with_mask(f64({1, 2, 3}), f64({1, 0, 1}), 0.5), {3}, {2, 0, 6});
  expect_gradcheck([&](const std::vector<Tensor>& in) { return F::dropout_with_mask(in[0], mask, 0.25); }, {x});
  expect_gradgradcheck(
      [&](const std::vector<Tensor>& in) { return F::dropout_with_mask(in[0] * in[0], mask, 0.25); }, {x});
  expect_error<xg::ShapeError>([&] { F::dropout_with_mask(x, f64({1, 0}), 0.5); },
                               {"dropout: mask of shape [2]", "input of shape [3, 4]"});
}

BOOST_AUTO_TEST_CASE(rate_must_be_in_unit_interval) {
  expect_error<xg::ValueError>([] { nn::Dropout(1.0); }, {"Dropout", "rate must be in [0, 1), got 1"});
  expect_error<xg::ValueError>([] { nn::Dropout(-0.1, {.name = "d"}); }, {"layer 'd'", "got -0.1"});
  expect_error<xg::ValueError>([] { F::dropout(xg::ones({2}), 1.5); }, {"dropout: rate must be in [0, 1)"});
  BOOST_TEST(nn::Dropout(0.25, {.name = "drop"}).describe() == "Dropout(rate=0.25)");
  BOOST_TEST(nn::Dropout(0.25, {.name = "drop"}).name() == "drop");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shape_layers)

BOOST_AUTO_TEST_CASE(flatten_merges_trailing_axes) {
  const Tensor x = xg::arange(0, 120).reshape({2, 3, 4, 5});
  nn::Flatten flat;
  const Tensor y = flat(x);
  BOOST_TEST(xg::shape_str(y.shape()) == "[2, 60]");
  BOOST_TEST(y.to_vector<double>() == x.to_vector<double>(), boost::test_tools::per_element());
  BOOST_TEST(y.shares_storage(x));
  BOOST_TEST(xg::shape_str(nn::Flatten(2)(x).shape()) == "[2, 3, 20]");
  BOOST_TEST(xg::shape_str(nn::Flatten(1, {.end_dim = 2})(x).shape()) == "[2, 12, 5]");
  BOOST_TEST(xg::shape_str(nn::Flatten(0)(x).shape()) == "[120]");
  BOOST_TEST(xg::shape_str(flat(xg::ones({4, 3})).shape()) == "[4, 3]");
  BOOST_TEST(flat.describe() == "Flatten(start_dim=1, end_dim=-1)");
}

BOOST_AUTO_TEST_CASE(flatten_errors_name_the_layer) {
  nn::Flatten flat(1, {.name = "flat"});
  expect_error<xg::ShapeError>([&] { flat(xg::ones({5})); },
                               {"flat (Flatten) cannot take input of shape (5,)", "cannot flatten a rank-1 input",
                                "no axis after the batch axis"});
  expect_error<xg::ShapeError>([] { nn::Flatten(3)(xg::ones({2, 3})); }, {"cannot flatten a rank-2 input"});
  expect_error<xg::ValueError>([] { nn::Flatten(2, {.end_dim = 1}); }, {"start_dim 2 is after end_dim 1"});
}

BOOST_AUTO_TEST_CASE(reshape_keeps_the_batch_axis) {
  const Tensor x = xg::arange(0, 24).reshape({2, 12});
  const Tensor y = nn::Reshape({3, 4})(x);
  BOOST_TEST(xg::shape_str(y.shape()) == "[2, 3, 4]");
  BOOST_TEST(y.to_vector<double>() == x.to_vector<double>(), boost::test_tools::per_element());
  BOOST_TEST(xg::shape_str(nn::Reshape({-1, 2})(x).shape()) == "[2, 6, 2]");
  BOOST_TEST(xg::shape_str(nn::Reshape({2, -1, 3})(x).shape()) == "[2, 2, 2, 3]");
  BOOST_TEST(xg::shape_str(nn::Reshape({-1})(xg::ones({0, 3, 2})).shape()) == "[0, 6]");
  BOOST_TEST(nn::Reshape({3, -1}).describe() == "Reshape(target_shape=[3, -1])");
  // The gradient flows back in the input's shape.
  const Tensor w = xg::ones({2, 6}, {.requires_grad = true});
  (nn::Reshape({3, 2})(w) * 2.0).sum().backward();
  expect_values(w.grad(), {2, 6}, std::vector<double>(12, 2.0));
}

BOOST_AUTO_TEST_CASE(reshape_errors) {
  nn::Reshape r({5}, {.name = "to5"});
  expect_error<xg::ShapeError>([&] { r(xg::ones({2, 6})); },
                               {"to5 (Reshape) cannot take input of shape (None, 6)", "samples of shape [6] (6 elements)",
                                "to [5] (5 elements)"});
  expect_error<xg::ShapeError>([] { nn::Reshape({4, -1})(xg::ones({2, 6})); }, {"product 4 must divide it"});
  expect_error<xg::ShapeError>([] { nn::Reshape({1})(xg::scalar_tensor(1)); }, {"scalar"});
  expect_error<xg::ValueError>([] { nn::Reshape({-1, -1}); }, {"invalid target shape [-1, -1]"});
  expect_error<xg::ValueError>([] { nn::Reshape({0, 3}); }, {"invalid target shape [0, 3]"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(activation_layers)

BOOST_AUTO_TEST_CASE(elementwise_values) {
  const Tensor x = inputs();
  expect_values(nn::ReLU()(x), {4}, {0, 0, 0, 1.5});
  expect_values(nn::LeakyReLU()(x), {4}, {-0.02, -0.005, 0, 1.5});
  expect_values(nn::LeakyReLU(0.2)(x), {4}, {-0.4, -0.1, 0, 1.5});
  expect_values(nn::ELU()(x), {4}, {-0.8646647167633873, -0.3934693402873666, 0, 1.5});
  expect_values(nn::ELU(2.0)(x), {4}, {-1.7293294335267746, -0.7869386805747332, 0, 1.5});
  expect_values(nn::GELU()(x), {4}, {-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713});
  expect_values(nn::Tanh()(x), {4}, {-0.9640275800758169, -0.46211715726000974, 0, 0.9051482536448664});
  expect_values(nn::Sigmoid()(x), {4}, {0.11920292202211755, 0.3775406687981454, 0.5, 0.8175744761936437});
}

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax_along_an_axis) {
  const Tensor row = xg::tensor({{1, 2, 3}});
  expect_values(nn::Softmax()(row), {1, 3}, {0.09003057317038046, 0.24472847105479767, 0.6652409557748219});
  expect_values(nn::LogSoftmax()(row), {1, 3}, {-2.40760596444438, -1.4076059644443801, -0.4076059644443803});
  // axis 0 normalizes the columns of [[1, 2], [3, 4]].
  const double a = 1 / (1 + std::exp(2.0)), b = 1 - a;
  expect_values(nn::Softmax(0)(xg::tensor({{1, 2}, {3, 4}})), {2, 2}, {a, a, b, b});
  expect_values(nn::LogSoftmax(0)(xg::tensor({{1, 2}, {3, 4}})), {2, 2},
                {std::log(a), std::log(a), std::log(b), std::log(b)});
  BOOST_TEST(nn::Softmax(0).axis() == 0);
}

BOOST_AUTO_TEST_CASE(descriptions_and_names) {
  BOOST_TEST(nn::ReLU().describe() == "ReLU()");
  BOOST_TEST(nn::LeakyReLU().describe() == "LeakyReLU(negative_slope=0.01)");
  BOOST_TEST(nn::LeakyReLU(0.3).negative_slope() == 0.3);
  BOOST_TEST(nn::ELU(0.5).describe() == "ELU(alpha=0.5)");
  BOOST_TEST(nn::Softmax().describe() == "Softmax(axis=-1)");
  BOOST_TEST(nn::LogSoftmax(1).describe() == "LogSoftmax(axis=1)");
  BOOST_TEST(nn::GELU({.name = "g"}).name() == "g");
  BOOST_TEST(nn::Sigmoid().name().rfind("sigmoid_", 0) == 0u);
  BOOST_TEST(nn::ReLU().parameters().empty());
}

BOOST_AUTO_TEST_CASE(gradcheck_of_every_activation_layer) {
  xg::manual_seed(24);
  // Values away from the kinks of relu / leaky_relu / elu at 0.
  const Tensor x = f64({{-1.3, 0.7, 2.1}, {0.4, -0.6, -2.2}}, true);
  std::vector<std::shared_ptr<nn::Module>> layers = {
      std::make_shared<nn::ReLU>(),    std::make_shared<nn::LeakyReLU>(0.1), std::make_shared<nn::ELU>(1.5),
      std::make_shared<nn::GELU>(),    std::make_shared<nn::Tanh>(),         std::make_shared<nn::Sigmoid>(),
      std::make_shared<nn::Softmax>(), std::make_shared<nn::LogSoftmax>(0)};
  for (const auto& layer : layers) {
    BOOST_TEST_CONTEXT(layer->describe()) {
      expect_gradcheck([&](const std::vector<Tensor>& in) { return (*layer)(in[0]); }, {x});
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
