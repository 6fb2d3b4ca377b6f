// nn::functional and activations by name: hand-computed values of every activation, softmax /
// log_softmax normalization and stability on huge inputs, and gradchecks of the composed forms.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <cmath>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
using namespace nn_test;
namespace nn = xg::nn;
namespace F = xg::nn::functional;

namespace {

// Every activation below is evaluated at these points (reference values from Python's math module).
Tensor points() { return f64({-2, -0.5, 0, 1.5}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(functional)

BOOST_AUTO_TEST_CASE(activation_values) {
  const Tensor x = points();
  expect_values(F::relu(x), {4}, {0, 0, 0, 1.5}, 1e-15);
  expect_values(F::leaky_relu(x), {4}, {-0.02, -0.005, 0, 1.5}, 1e-15);
  expect_values(F::elu(x, 0.5), {4}, {0.5 * -0.8646647167633873, 0.5 * -0.3934693402873666, 0, 1.5}, 1e-14);
  expect_values(F::selu(x), {4}, {-1.520166468595695, -0.6917581878028713, 0, 1.5760514810332207}, 1e-14);
  expect_values(F::gelu(x), {4}, {-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713}, 1e-14);
  expect_values(F::softplus(x), {4}, {0.1269280110429725, 0.4740769841801067, 0.6931471805599453, 1.7014132779827524},
                1e-14);
  expect_values(F::silu(x), {4}, {-0.2384058440442351, -0.1887703343990727, 0, 1.2263617142904655}, 1e-14);
  expect_values(F::softsign(x), {4}, {-2.0 / 3, -1.0 / 3, 0, 0.6}, 1e-15);
  expect_values(F::sigmoid(x), {4}, {0.11920292202211755, 0.3775406687981454, 0.5, 0.8175744761936437}, 1e-14);
  expect_values(F::tanh(x), {4}, {-0.9640275800758169, -0.46211715726000974, 0, 0.9051482536448664}, 1e-14);
}

BOOST_AUTO_TEST_CASE(tails_stay_finite) {
  // softplus: x for large x, e^x for very negative x; elu / selu saturate; no inf or nan.
  expect_values(F::softplus(f64({100, -100})), {2}, {100, std::exp(-100.0)}, 1e-12);
  expect_values(F::elu(f64({-1000, 1000})), {2}, {-1, 1000}, 1e-15);
  expect_values(F::silu(f64({-1000, 1000})), {2}, {0, 1000}, 1e-15);
  expect_values(F::gelu(xg::tensor({-100, 50})), {2}, {0, 50});
}

BOOST_AUTO_TEST_CASE(softmax_rows_sum_to_one) {
  xg::manual_seed(51);
  const Tensor x = xg::randn({5, 7}, {.dtype = xg::kFloat64}) * 3.0;
  const auto sums = F::softmax(x).sum({1}).to_vector<double>();
  for (double s : sums) BOOST_TEST(std::abs(s - 1.0) < 1e-14);
  const auto exp_sums = xg::exp(F::log_softmax(x)).sum({1}).to_vector<double>();
  for (double s : exp_sums) BOOST_TEST(std::abs(s - 1.0) < 1e-14);
  // Along axis 0 the columns sum to one.
  for (double s : F::softmax(x, 0).sum({0}).to_vector<double>()) BOOST_TEST(std::abs(s - 1.0) < 1e-14);
  // Shift invariance: softmax(x + c) = softmax(x).
  const auto a = F::softmax(x).to_vector<double>(), b = F::softmax(x + 100.0).to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST(std::abs(a[i] - b[i]) < 1e-14);
}

BOOST_AUTO_TEST_CASE(softmax_is_stable_on_huge_inputs) {
  // float32, where a naive exp overflows at 89 (tolerance: the float32 ulp of 1000 is 6e-5).
  expect_values(F::softmax(xg::tensor({{1000, 1001, 1002}})), {1, 3},
                {0.09003057317038046, 0.24472847105479767, 0.6652409557748219}, 1e-4);
  expect_values(F::log_softmax(xg::tensor({{1e4, 0}})), {1, 2}, {0, -1e4});
  expect_values(F::softmax(xg::tensor({{-1e4, 0}})), {1, 2}, {0, 1});
  expect_values(F::log_softmax(xg::tensor({{-1000, -1001, -1002}})), {1, 3},
                {-0.40760596444438, -1.4076059644443801, -2.40760596444438}, 1e-4);
}

BOOST_AUTO_TEST_CASE(gradcheck_composed_functions) {
  xg::manual_seed(52);
  const Tensor x = f64({{-1.3, 0.7, 2.1}, {0.4, -0.6, -2.2}}, true);  // away from the kinks at 0
  const std::vector<std::pair<const char*, xg::autograd::DifferentiableFn>> cases = {
      {"softmax", [](const auto& in) { return F::softmax(in[0], -1); }},
      {"softmax axis 0", [](const auto& in) { return F::softmax(in[0], 0); }},
      {"log_softmax", [](const auto& in) { return F::log_softmax(in[0], 1); }},
      {"leaky_relu", [](const auto& in) { return F::leaky_relu(in[0], 0.3); }},
      {"elu", [](const auto& in) { return F::elu(in[0], 1.2); }},
      {"selu", [](const auto& in) { return F::selu(in[0]); }},
      {"gelu", [](const auto& in) { return F::gelu(in[0]); }},
      {"softplus", [](const auto& in) { return F::softplus(in[0]); }},
      {"softsign", [](const auto& in) { return F::softsign(in[0]); }},
      {"silu", [](const auto& in) { return F::silu(in[0]); }},
  };
  for (const auto& [name, fn] : cases) {
    BOOST_TEST_CONTEXT(name) {
      expect_gradcheck(fn, {x});
      expect_gradgradcheck(fn, {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(activations_by_name) {
  const Tensor x = points();
  expect_values(nn::activation("relu")(x), {4}, {0, 0, 0, 1.5}, 1e-15);
  expect_values(nn::activation("linear")(x), {4}, {-2, -0.5, 0, 1.5}, 1e-15);
  expect_values(nn::activation("")(x), {4}, {-2, -0.5, 0, 1.5}, 1e-15);
  // Keras' "leaky_relu" activation uses slope 0.2.
  expect_values(nn::activation("leaky_relu")(x), {4}, {-0.4, -0.1, 0, 1.5}, 1e-15);
  expect_values(nn::activation("swish")(x), {4}, {-0.2384058440442351, -0.1887703343990727, 0, 1.2263617142904655},
                1e-14);
  const auto names = nn::activation_names();
  BOOST_TEST(names.size() == 14u);
  for (const auto& name : names) {
    BOOST_TEST_CONTEXT("activation " << name) {
      const Tensor y = nn::activation(name)(f64({{-1, 0.5}}));
      BOOST_TEST(xg::shape_str(y.shape()) == "[1, 2]");
    }
  }
  expect_error<xg::ValueError>([] { nn::activation("Relu"); },
                               {"unknown activation 'Relu'", "valid names:", "elu", "gelu", "relu", "softmax"});
}

BOOST_AUTO_TEST_SUITE_END()
