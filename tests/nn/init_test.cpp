// Initializers: every Keras name gives the right shape, and the random ones the documented
// statistics on large tensors (mean / std within a few percent, hard bounds for uniform and
// truncated draws); orthogonality; fans; seeding; errors.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
namespace init = xg::nn::init;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats_of(const Tensor& t) {
  const auto v = t.to_vector<double>();
  Stats s;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(v.size()));
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

// A weight of shape [out, in] = [400, 250] (100,000 draws): fan_in 250, fan_out 400.
constexpr double kFanIn = 250, kFanOut = 400;
const xg::Shape kShape{400, 250};

Stats draw(const init::Initializer& i) {
  xg::manual_seed(11);
  return stats_of(i.make(kShape));
}

// mean ~ 0 (relative to std) and std within 2% of `expected`.
void expect_centered_std(const Stats& s, double expected) {
  BOOST_TEST(std::abs(s.mean) < 0.02 * expected, "mean " << s.mean);
  BOOST_TEST(std::abs(s.std - expected) < 0.02 * expected, "std " << s.std << " vs " << expected);
}

// Uniform on [-limit, limit]: inside the bounds, reaching close to them, std limit / sqrt 3.
void expect_uniform(const Stats& s, double limit) {
  BOOST_TEST(s.min >= -limit);
  BOOST_TEST(s.max <= limit);
  BOOST_TEST(s.max > 0.99 * limit);
  BOOST_TEST(s.min < -0.99 * limit);
  expect_centered_std(s, limit / std::sqrt(3.0));
}

// Keras' truncated variance scaling: std exactly sqrt(scale / fan) after truncation at two
// standard deviations of the underlying normal (stddev / 0.8796...).
void expect_truncated_scaled(const Stats& s, double target_std) {
  const double bound = 2 * target_std / 0.87962566103423978;
  BOOST_TEST(s.max <= bound + 1e-12);
  BOOST_TEST(s.min >= -bound - 1e-12);
  expect_centered_std(s, target_std);
}

// Max |W W^T - gain^2 I| over the rows of a 2-d tensor.
double gram_error(const Tensor& w, double gain) {
  const auto v = w.to_vector<double>();
  const std::int64_t rows = w.size(0), cols = w.numel() / rows;
  double worst = 0;
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < rows; ++j) {
      double dot = 0;
      for (std::int64_t k = 0; k < cols; ++k) dot += v[i * cols + k] * v[j * cols + k];
      worst = std::max(worst, std::abs(dot - (i == j ? gain * gain : 0.0)));
    }
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(initializers)

BOOST_AUTO_TEST_CASE(every_name_gives_the_requested_shape_and_dtype) {
  const std::vector<std::string> expected = {
      "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",   "lecun_uniform",
      "normal",        "one",            "ones",      "orthogonal", "random_normal", "random_uniform",
      "truncated_normal", "uniform",     "zero",      "zeros"};
  BOOST_TEST(init::initializer_names() == expected, boost::test_tools::per_element());
  for (const auto& name : init::initializer_names()) {
    BOOST_TEST_CONTEXT("initializer " << name) {
      const init::Initializer i(name);
      BOOST_TEST(i.name() == name);
      const Tensor t = i.make({6, 4, 3}, xg::kFloat64);
      BOOST_TEST(xg::shape_str(t.shape()) == "[6, 4, 3]");
      BOOST_TEST((t.dtype() == xg::kFloat64));
      BOOST_TEST(!t.requires_grad());
      for (double v : t.to_vector<double>()) BOOST_TEST(std::isfinite(v));
    }
  }
}

BOOST_AUTO_TEST_CASE(constants) {
  expect_values(init::Initializer("zeros").make({2, 2}), {2, 2}, {0, 0, 0, 0});
  expect_values(init::Initializer("zero").make({2}), {2}, {0, 0});
  expect_values(init::Initializer("ones").make({3}), {3}, {1, 1, 1});
  expect_values(init::Initializer("one").make({1, 2}), {1, 2}, {1, 1});
  expect_values(init::Initializer(init::Constant{-2.5}).make({2}), {2}, {-2.5, -2.5});
}

BOOST_AUTO_TEST_CASE(random_normal_and_uniform) {
  expect_centered_std(draw("normal"), 0.05);
  expect_centered_std(draw(init::RandomNormal{.stddev = 0.2}), 0.2);
  const Stats shifted = draw(init::RandomNormal{.mean = 1.0, .stddev = 0.1});
  BOOST_TEST(std::abs(shifted.mean - 1.0) < 0.002);
  expect_uniform(draw("uniform"), 0.05);
  const Stats range = draw(init::RandomUniform{.minval = 2.0, .maxval = 3.0});
  BOOST_TEST(range.min >= 2.0);
  BOOST_TEST(range.max < 3.0);
  BOOST_TEST(std::abs(range.mean - 2.5) < 0.005);
}

BOOST_AUTO_TEST_CASE(truncated_normal_stays_within_two_stddevs) {
  const Stats s = draw("truncated_normal");
  BOOST_TEST(s.max <= 0.1);
  BOOST_TEST(s.min >= -0.1);
  // A unit normal truncated at +-2 has std 0.8796.
  expect_centered_std(s, 0.05 * 0.87962566103423978);
}

BOOST_AUTO_TEST_CASE(variance_scaling_family) {
  expect_uniform(draw("glorot_uniform"), std::sqrt(6.0 / (kFanIn + kFanOut)));
  expect_uniform(draw("he_uniform"), std::sqrt(6.0 / kFanIn));
  expect_uniform(draw("lecun_uniform"), std::sqrt(3.0 / kFanIn));
  expect_truncated_scaled(draw("glorot_normal"), std::sqrt(2.0 / (kFanIn + kFanOut)));
  expect_truncated_scaled(draw("he_normal"), std::sqrt(2.0 / kFanIn));
  expect_truncated_scaled(draw("lecun_normal"), std::sqrt(1.0 / kFanIn));
  using VS = init::VarianceScaling;
  expect_truncated_scaled(draw(VS{.scale = 3.0, .mode = VS::Mode::FanOut}), std::sqrt(3.0 / kFanOut));
}

BOOST_AUTO_TEST_CASE(fans_of_dense_and_conv_weights) {
  const auto dense = init::compute_fans({10, 20});
  BOOST_TEST(dense.in == 20);
  BOOST_TEST(dense.out == 10);
  const auto conv = init::compute_fans({8, 4, 3, 3});  // [filters, in_channels, kh, kw]
  BOOST_TEST(conv.in == 36);
  BOOST_TEST(conv.out == 72);
  const auto vec = init::compute_fans({7});
  BOOST_TEST(vec.in == 7);
  BOOST_TEST(vec.out == 7);
}

BOOST_AUTO_TEST_CASE(orthogonal_rows_or_columns) {
  xg::manual_seed(12);
  BOOST_TEST(gram_error(init::Initializer("orthogonal").make({5, 5}, xg::kFloat64), 1.0) < 1e-12);
  // Wide: the 3 rows are orthonormal.
  BOOST_TEST(gram_error(init::Initializer("orthogonal").make({3, 7}, xg::kFloat64), 1.0) < 1e-12);
  // Tall: the 3 columns are orthonormal (check W^T W through the transpose).
  const Tensor tall = init::Initializer("orthogonal").make({7, 3}, xg::kFloat64);
  BOOST_TEST(gram_error(tall.t(), 1.0) < 1e-12);
  BOOST_TEST(gram_error(init::Initializer(init::Orthogonal{.gain = 2.0}).make({4, 4}, xg::kFloat64), 2.0) < 1e-12);
  // A conv weight [4, 2, 3, 3] is orthogonal over its flattened rows.
  BOOST_TEST(gram_error(init::Initializer("orthogonal").make({4, 2, 3, 3}, xg::kFloat64), 1.0) < 1e-12);
  expect_error<xg::ShapeError>([] { init::Initializer("orthogonal").make({5}); }, {"orthogonal", "rank >= 2", "[5]"});
}

BOOST_AUTO_TEST_CASE(same_seed_same_weights) {
  for (const std::string name : {"glorot_uniform", "he_normal", "normal", "orthogonal"}) {
    BOOST_TEST_CONTEXT("initializer " << name) {
      xg::manual_seed(42);
      const auto a = init::Initializer(name).make({16, 8}).to_vector<double>();
      xg::manual_seed(42);
      const auto b = init::Initializer(name).make({16, 8}).to_vector<double>();
      xg::manual_seed(43);
      const auto c = init::Initializer(name).make({16, 8}).to_vector<double>();
      BOOST_TEST(a == b, boost::test_tools::per_element());
      BOOST_TEST(a != c);
    }
  }
}

BOOST_AUTO_TEST_CASE(in_place_fill_and_custom_initializers) {
  Tensor t = xg::zeros({2, 3}, {.dtype = xg::kFloat64});
  init::Initializer("ones")(t);
  expect_values(t, {2, 3}, {1, 1, 1, 1, 1, 1});
  BOOST_TEST((t.dtype() == xg::kFloat64));
  const init::Initializer arange_init("arange", [](const xg::Shape& s, xg::Dtype d) {
    return xg::arange(0, static_cast<double>(xg::shape_numel(s)), 1, {.dtype = d}).reshape(s);
  });
  expect_values(arange_init.make({2, 2}), {2, 2}, {0, 1, 2, 3});
  const init::Initializer wrong("wrong", [](const xg::Shape&, xg::Dtype) { return xg::zeros({3}); });
  expect_error<xg::ShapeError>([&] { wrong.make({2, 2}); }, {"initializer 'wrong'", "[3]", "expected [2, 2]"});
}

BOOST_AUTO_TEST_CASE(unknown_name_lists_valid_ones) {
  expect_error<xg::ValueError>([] { init::Initializer("xavier"); },
                               {"unknown initializer 'xavier'", "glorot_uniform", "he_normal", "zeros", "orthogonal"});
}

BOOST_AUTO_TEST_SUITE_END()
