// Dense and Linear: hand-checked outputs, lazy input size, activations by name, use_bias,
// PyTorch's Linear initialization bounds, error messages, and gradchecks of the layer with its
// parameters in float64.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <algorithm>
#include <cmath>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
using namespace nn_test;
namespace nn = xg::nn;

namespace {

// weight [[1, 0, -1], [2, 1, 0]], bias [0.5, -1].
void set_known_weights(nn::Dense& d) {
  d.load_state_dict({{"weight", xg::tensor({{1, 0, -1}, {2, 1, 0}})}, {"bias", xg::tensor({0.5, -1})}});
}

// An initializer that ignores the requested dtype and returns float64 normals, so a layer's
// parameters are float64 and gradcheck can perturb them.
nn::init::Initializer float64_normal() {
  return {"float64_normal", [](const xg::Shape& s, xg::Dtype) { return xg::randn(s, {.dtype = xg::kFloat64}); }};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dense_layer)

BOOST_AUTO_TEST_CASE(hand_checked_output) {
  nn::Dense d(2, {.in_features = 3});
  set_known_weights(d);
  // [1, 2, 3] -> [1 - 3 + 0.5, 2 + 2 - 1] = [-1.5, 3]; [0, 0, 1] -> [-1 + 0.5, -1] = [-0.5, -1].
  expect_values(d(xg::tensor({{1, 2, 3}, {0, 0, 1}})), {2, 2}, {-1.5, 3, -0.5, -1});
  // Leading axes are kept: [2, 1, 3] -> [2, 1, 2].
  expect_values(d(xg::tensor({{{1, 2, 3}}, {{0, 0, 1}}})), {2, 1, 2}, {-1.5, 3, -0.5, -1});
}

BOOST_AUTO_TEST_CASE(activation_by_name) {
  nn::Dense relu(2, {.in_features = 3, .activation = "relu"});
  set_known_weights(relu);
  expect_values(relu(xg::tensor({{1, 2, 3}})), {1, 2}, {0, 3});
  nn::Dense soft(2, {.in_features = 3, .activation = "softmax"});
  set_known_weights(soft);
  // softmax([-1.5, 3]) = [1, e^4.5] / (1 + e^4.5).
  const double e = std::exp(4.5);
  expect_values(soft(xg::tensor({{1, 2, 3}})), {1, 2}, {1 / (1 + e), e / (1 + e)});
  BOOST_TEST(soft.activation_name() == "softmax");
  BOOST_TEST(nn::Dense(2).activation_name() == "linear");
  expect_error<xg::ValueError>([] { nn::Dense(2, {.activation = "relux"}); },
                               {"unknown activation 'relux'", "valid names:", "relu", "sigmoid", "softmax", "tanh"});
}

BOOST_AUTO_TEST_CASE(lazy_in_features) {
  nn::Dense d(4);
  BOOST_TEST(!d.built());
  BOOST_TEST(d.parameters().empty());
  BOOST_TEST(d.describe() == "Dense(units=4, in_features=?, activation=linear, use_bias=true)");
  const Tensor y = d(xg::ones({5, 7}));
  BOOST_TEST(d.built());
  BOOST_TEST(d.in_features() == 7);
  BOOST_TEST(xg::shape_str(d.weight.shape()) == "[4, 7]");
  BOOST_TEST(xg::shape_str(d.bias.shape()) == "[4]");
  BOOST_TEST(xg::shape_str(y.shape()) == "[5, 4]");
  // The size is fixed once built.
  expect_error<xg::ShapeError>([&] { d(xg::ones({5, 6})); },
                               {"(Dense) expects input of shape (None, 7) but got (None, 6)",
                                "built for 7 features on the last axis, inferred from its first input", "[5, 6]"});
}

BOOST_AUTO_TEST_CASE(wrong_input_features_names_layer_and_shapes) {
  nn::Dense d(3, {.in_features = 4, .name = "hidden"});
  expect_error<xg::ShapeError>([&] { d(xg::ones({2, 5})); },
                               {"hidden (Dense) expects input of shape (None, 4) but got (None, 5)",
                                "it takes 4 features on the last axis (in_features = 4)", "[2, 5]"});
  expect_error<xg::ShapeError>([&] { d(xg::scalar_tensor(1.0)); },
                               {"hidden (Dense) expects input of shape (None, 4) but got ()", "got a scalar"});
  // Keras' Dense needs a batch axis; PyTorch's Linear also takes one unbatched sample.
  expect_error<xg::ShapeError>([&] { d(xg::ones({4})); },
                               {"hidden (Dense) expects input of shape (None, 4) but got (4,)", "rank-1 input",
                                "x.unsqueeze(0)"});
  BOOST_TEST(xg::shape_str(nn::Linear(4, 3)(xg::ones({4})).shape()) == "[3]");
  expect_error<xg::ShapeError>([] { nn::Linear(4, 3)(xg::scalar_tensor(1.0)); }, {"(Linear)", "got a scalar"});
  expect_error<xg::ValueError>([] { nn::Dense(0); }, {"units must be positive, got 0"});
}

BOOST_AUTO_TEST_CASE(use_bias_false_has_only_a_kernel) {
  nn::Dense d(2, {.in_features = 3, .use_bias = false});
  BOOST_TEST(!d.bias.defined());
  BOOST_TEST(d.parameters().size() == 1u);
  BOOST_TEST(d.state_dict().count("bias") == 0u);
  d.load_state_dict({{"weight", xg::tensor({{1, 0, -1}, {2, 1, 0}})}});
  expect_values(d(xg::tensor({{1, 2, 3}})), {1, 2}, {-2, 4});
  BOOST_TEST(d.count_parameters().trainable == 6);
}

BOOST_AUTO_TEST_CASE(default_initializers) {
  xg::manual_seed(3);
  nn::Dense d(50, {.in_features = 150});
  // glorot_uniform kernel: |w| <= sqrt(6 / (150 + 50)); zeros bias.
  const double limit = std::sqrt(6.0 / 200.0);
  const auto w = d.weight.to_vector<double>();
  BOOST_TEST(*std::max_element(w.begin(), w.end()) <= limit);
  BOOST_TEST(*std::min_element(w.begin(), w.end()) >= -limit);
  BOOST_TEST(*std::max_element(w.begin(), w.end()) > 0.95 * limit);
  expect_values(d.bias, {50}, std::vector<double>(50, 0.0));
  nn::Dense custom(2, {.in_features = 2, .kernel_initializer = "ones", .bias_initializer = nn::init::Constant{0.5}});
  expect_values(custom(xg::tensor({{1, 2}})), {1, 2}, {3.5, 3.5});
}

BOOST_AUTO_TEST_CASE(linear_uses_pytorch_init_bounds) {
  xg::manual_seed(4);
  nn::Linear lin(100, 30);
  const double bound = 1.0 / std::sqrt(100.0);
  for (const Tensor& t : {lin.weight, lin.bias}) {
    const auto v = t.to_vector<double>();
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    BOOST_TEST(*lo >= -bound);
    BOOST_TEST(*hi <= bound);
  }
  const auto w = lin.weight.to_vector<double>();
  BOOST_TEST(*std::max_element(w.begin(), w.end()) > 0.95 * bound);  // fills the range
  BOOST_TEST(xg::shape_str(lin.weight.shape()) == "[30, 100]");
  BOOST_TEST(lin.describe() == "Linear(in_features=100, out_features=30, bias=true)");
  BOOST_TEST(lin.name().rfind("linear_", 0) == 0u);
  nn::Linear no_bias(3, 2, false);
  BOOST_TEST(!no_bias.bias.defined());
  BOOST_TEST(no_bias.describe() == "Linear(in_features=3, out_features=2, bias=false)");
}

BOOST_AUTO_TEST_CASE(gradcheck_of_the_layer_with_its_parameters) {
  xg::manual_seed(5);
  nn::Dense d(3, {.in_features = 4, .activation = "tanh", .kernel_initializer = float64_normal(),
                  .bias_initializer = float64_normal()});
  BOOST_TEST_REQUIRE((d.weight.dtype() == xg::kFloat64));
  const Tensor x = randn64({2, 4});
  // gradcheck perturbs the inputs in place, and the layer reads the same weight and bias tensors.
  expect_gradcheck([&](const std::vector<Tensor>&) { return d(x); }, {x, d.weight, d.bias});
  expect_gradgradcheck([&](const std::vector<Tensor>&) { return d(x); }, {x, d.weight, d.bias});
}

BOOST_AUTO_TEST_CASE(gradcheck_of_linear_op_with_float64_parameters) {
  xg::manual_seed(6);
  const Tensor x = randn64({3, 5}), w = randn64({2, 5}), b = randn64({2});
  expect_gradcheck([](const std::vector<Tensor>& in) { return xg::linear(in[0], in[1], in[2]); }, {x, w, b});
  // The gradient of sum(linear) w.r.t. the bias is the row count.
  xg::linear(x, w, b).sum().backward();
  expect_values(b.grad(), {2}, {3, 3});
}

BOOST_AUTO_TEST_SUITE_END()
