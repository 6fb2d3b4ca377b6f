// Elementwise ops through the public API: every unary function against its std:: counterpart,
// binary ops with NumPy broadcasting and dtype promotion, comparisons, selection, in-place updates.
#include "expect.hpp"

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/compare.hpp>
#include <xgrad/autograd/ops/unary.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>

using namespace xg;
using xg::test::expect_error;
using xg::test::expect_values;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> reference;
  std::vector<double> inputs;
};

const std::vector<double> kAnyReal = {-2.5, -0.75, 0.0, 0.4, 1.0, 3.25};
const std::vector<double> kPositive = {0.05, 0.5, 1.0, 2.0, 7.5};

std::vector<double> apply(const std::function<double(double)>& f, const std::vector<double>& xs) {
  std::vector<double> out;
  for (double x : xs) out.push_back(f(x));
  return out;
}

// The same op on float32 and float64 inputs against the double-precision reference.
void check_unary(const UnaryCase& c) {
  BOOST_TEST_CONTEXT("unary op " << c.name) {
    const Shape shape{static_cast<std::int64_t>(c.inputs.size())};
    const std::vector<double> expected = apply(c.reference, c.inputs);
    const Tensor x64 = from_vector(c.inputs, shape);
    const Tensor y64 = c.op(x64);
    BOOST_TEST(y64.dtype() == kFloat64);
    expect_values(y64, shape, expected, 1e-14);
    const Tensor y32 = c.op(x64.to(kFloat32));
    BOOST_TEST(y32.dtype() == kFloat32);
    expect_values(y32, shape, expected, 1e-6);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE(every_unary_op_matches_std) {
  const std::vector<UnaryCase> cases = {
      {"neg", [](const Tensor& x) { return -x; }, [](double v) { return -v; }, kAnyReal},
      {"abs", [](const Tensor& x) { return xg::abs(x); }, [](double v) { return std::abs(v); }, kAnyReal},
      {"sign", [](const Tensor& x) { return xg::sign(x); }, [](double v) { return double((v > 0) - (v < 0)); },
       kAnyReal},
      {"square", [](const Tensor& x) { return xg::square(x); }, [](double v) { return v * v; }, kAnyReal},
      {"relu", [](const Tensor& x) { return xg::relu(x); }, [](double v) { return std::max(v, 0.0); }, kAnyReal},
      {"exp", [](const Tensor& x) { return xg::exp(x); }, [](double v) { return std::exp(v); }, kAnyReal},
      {"log", [](const Tensor& x) { return xg::log(x); }, [](double v) { return std::log(v); }, kPositive},
      {"sqrt", [](const Tensor& x) { return xg::sqrt(x); }, [](double v) { return std::sqrt(v); }, kPositive},
      {"rsqrt", [](const Tensor& x) { return xg::rsqrt(x); }, [](double v) { return 1 / std::sqrt(v); }, kPositive},
      {"tanh", [](const Tensor& x) { return xg::tanh(x); }, [](double v) { return std::tanh(v); }, kAnyReal},
      {"sigmoid", [](const Tensor& x) { return xg::sigmoid(x); }, [](double v) { return 1 / (1 + std::exp(-v)); },
       kAnyReal},
      {"reciprocal", [](const Tensor& x) { return xg::reciprocal(x); }, [](double v) { return 1 / v; },
       {-4.0, -0.5, 0.25, 3.0}},
      {"sin", [](const Tensor& x) { return xg::sin(x); }, [](double v) { return std::sin(v); }, kAnyReal},
      {"cos", [](const Tensor& x) { return xg::cos(x); }, [](double v) { return std::cos(v); }, kAnyReal},
      {"log1p", [](const Tensor& x) { return xg::log1p(x); }, [](double v) { return std::log1p(v); },
       {-0.5, 0.0, 1e-10, 2.0}},
      {"expm1", [](const Tensor& x) { return xg::expm1(x); }, [](double v) { return std::expm1(v); },
       {-2.0, 0.0, 1e-10, 1.5}},
      {"erf", [](const Tensor& x) { return xg::erf(x); }, [](double v) { return std::erf(v); }, kAnyReal},
  };
  BOOST_TEST(cases.size() == 17u);  // one per kernels::UnaryOp
  for (const auto& c : cases) check_unary(c);
}

BOOST_AUTO_TEST_CASE(unary_special_values) {
  const Tensor x = tensor({-0.0, kNan, -INFINITY, INFINITY});
  const auto a = xg::abs(x).to_vector<double>();
  BOOST_TEST(!std::signbit(a[0]));  // |-0| is +0 (prints "0.", not "-0.")
  BOOST_TEST(std::isnan(a[1]));
  BOOST_TEST(a[2] == INFINITY);
  expect_values(xg::relu(x), {4}, {0, kNan, 0, INFINITY});  // NaN propagates, as in PyTorch
  expect_values(xg::exp(x), {4}, {1, kNan, 0, INFINITY});
  expect_values(xg::sigmoid(x), {4}, {0.5, kNan, 0, 1});
  expect_values(xg::tanh(x), {4}, {0, kNan, -1, 1});
}

BOOST_AUTO_TEST_CASE(unary_ops_on_int64) {
  const Tensor x = tensor({-3, 0, 2}, {.dtype = kInt64});
  BOOST_TEST((xg::abs(x).to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 0, 2}));
  BOOST_TEST((xg::relu(x).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0, 2}));
  BOOST_TEST((xg::square(-x).to_vector<std::int64_t>() == std::vector<std::int64_t>{9, 0, 4}));
  BOOST_TEST(xg::sign(x).dtype() == kInt64);
  expect_error<DtypeError>([&] { xg::exp(x); }, {"exp", "int64"});
}

BOOST_AUTO_TEST_CASE(broadcasting) {
  const Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  expect_values(a + tensor({10, 20, 30}), {2, 3}, {11, 22, 33, 14, 25, 36});
  expect_values(tensor({{1}, {2}}) + tensor({{10, 20, 30}}), {2, 3}, {11, 21, 31, 12, 22, 32});
  const Tensor b = arange(0, 12).reshape({4, 1, 3});
  const Tensor c = tensor({{1}, {-1}});
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i)
    for (int s : {1, -1})
      for (int k = 0; k < 3; ++k) expected.push_back(s * (3 * i + k));
  expect_values(b * c, {4, 2, 3}, expected);
  expect_values(c * b, {4, 2, 3}, expected);
  expect_values(scalar_tensor(2) * a, {2, 3}, {2, 4, 6, 8, 10, 12});
  expect_values(a - scalar_tensor(1), {2, 3}, {0, 1, 2, 3, 4, 5});
  expect_values(scalar_tensor(3) / scalar_tensor(4), {}, {0.75});
  expect_values(xg::pow(tensor({2, 3}), tensor({{2}, {0.5}})), {2, 2}, {4, 9, std::sqrt(2.0), std::sqrt(3.0)});
}

BOOST_AUTO_TEST_CASE(scalar_operands) {
  const Tensor a = tensor({1, 2, 4});
  expect_values(a + 1.5, {3}, {2.5, 3.5, 5.5});
  expect_values(10.0 - a, {3}, {9, 8, 6});
  expect_values(a * -2.0, {3}, {-2, -4, -8});
  expect_values(a / 4.0, {3}, {0.25, 0.5, 1});
  expect_values(8.0 / a, {3}, {8, 4, 2});
  expect_values(xg::pow(a, 2.0), {3}, {1, 4, 16});
  expect_values(xg::pow(2.0, a), {3}, {2, 4, 16});
}

BOOST_AUTO_TEST_CASE(broadcast_error_names_op_and_shapes) {
  expect_error<ShapeError>([] { ones({2, 3}) + ones({4}); }, {"add", "[2, 3]", "[4]", "broadcast"});
  expect_error<ShapeError>([] { ones({2, 3}) * ones({3, 2}); }, {"mul", "[2, 3]", "[3, 2]"});
}

BOOST_AUTO_TEST_CASE(dtype_promotion) {
  const Tensor f32 = tensor({1.5, 2.5});
  const Tensor f64 = tensor({0.25, 0.5}, {.dtype = kFloat64});
  const Tensor i64 = tensor({3, -4}, {.dtype = kInt64});
  const Tensor s = f32 + f64;
  BOOST_TEST(s.dtype() == kFloat64);
  expect_values(s, {2}, {1.75, 3.0});
  BOOST_TEST((f64 * f32).dtype() == kFloat64);
  const Tensor t = i64 + f32;
  BOOST_TEST(t.dtype() == kFloat32);
  expect_values(t, {2}, {4.5, -1.5});
  BOOST_TEST((f32 - i64).dtype() == kFloat32);
  BOOST_TEST((i64 + f64).dtype() == kFloat64);
  BOOST_TEST((i64 * i64).dtype() == kInt64);
  BOOST_TEST((i64 * 3.0).dtype() == kInt64);  // an integral scalar keeps int64
  // A fractional scalar is not truncated: the int64 tensor computes in float32.
  const Tensor half = i64 * 0.5;
  BOOST_TEST(half.dtype() == kFloat32);
  expect_values(half, {2}, {1.5, -2});
  expect_values(i64 / 2.0, {2}, {1.5, -2});
  // Division is true division, and an int64 zero divisor gives inf instead of a trap.
  const Tensor q = i64 / tensor({2, 0}, {.dtype = kInt64});
  BOOST_TEST(q.dtype() == kFloat32);
  expect_values(q, {2}, {1.5, -INFINITY});
}

BOOST_AUTO_TEST_CASE(comparisons_return_one_and_zero) {
  const Tensor a = tensor({1, 2, 3});
  const Tensor b = tensor({3, 2, 1});
  expect_values(lt(a, b), {3}, {1, 0, 0});
  expect_values(le(a, b), {3}, {1, 1, 0});
  expect_values(gt(a, b), {3}, {0, 0, 1});
  expect_values(ge(a, b), {3}, {0, 1, 1});
  expect_values(eq(a, b), {3}, {0, 1, 0});
  expect_values(ne(a, b), {3}, {1, 0, 1});
  expect_values(a < 2.0, {3}, {1, 0, 0});
  expect_values(a >= 2.0, {3}, {0, 1, 1});
  expect_values(eq(a, 3.0), {3}, {0, 0, 1});
  BOOST_TEST(lt(a, b).dtype() == kFloat32);
  expect_values(gt(tensor({{1}, {5}}), tensor({2, 4})), {2, 2}, {0, 0, 1, 1});
  // int64 against a fractional scalar compares the true values.
  const Tensor i = tensor({0, 1}, {.dtype = kInt64});
  expect_values(i < 0.5, {2}, {1, 0});
  expect_values(i > 0.5, {2}, {0, 1});
  expect_values(eq(i, 1.0), {2}, {0, 1});
  expect_values(eq(tensor({kNan}), tensor({kNan})), {1}, {0});
}

BOOST_AUTO_TEST_CASE(where_clamp_maximum_minimum) {
  const Tensor cond = tensor({{1}, {0}});
  expect_values(where(cond, tensor({1, 2, 3}), scalar_tensor(-1)), {2, 3}, {1, 2, 3, -1, -1, -1});
  const Tensor x = tensor({-2, -0.5, 0.5, 2});
  expect_values(where(x > 0.0, x, -x), {4}, {2, 0.5, 0.5, 2});
  expect_values(clamp(x, -1, 1), {4}, {-1, -0.5, 0.5, 1});
  expect_values(clamp(x, 0, 0), {4}, {0, 0, 0, 0});
  expect_error<ValueError>([&] { clamp(x, 1, -1); }, {"clamp", "greater than max"});
  const Tensor y = tensor({0, 0, 1, 1});
  expect_values(maximum(x, y), {4}, {0, 0, 1, 2});
  expect_values(minimum(x, y), {4}, {-2, -0.5, 0.5, 1});
  expect_values(maximum(tensor({{1}, {4}}), tensor({2, 3})), {2, 2}, {2, 3, 4, 4});
}

BOOST_AUTO_TEST_CASE(maximum_and_minimum_propagate_nan) {
  const Tensor a = tensor({kNan, 1, kNan});
  const Tensor b = tensor({0, kNan, kNan});
  expect_values(maximum(a, b), {3}, {kNan, kNan, kNan});
  expect_values(maximum(b, a), {3}, {kNan, kNan, kNan});
  expect_values(minimum(a, b), {3}, {kNan, kNan, kNan});
  expect_values(minimum(b, a), {3}, {kNan, kNan, kNan});
}

BOOST_AUTO_TEST_CASE(sigmoid_is_stable_at_extremes) {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const auto v = xg::sigmoid(tensor({-1000, -50, 0, 50, 1000}, {.dtype = dt})).to_vector<double>();
    for (double s : v) BOOST_TEST(std::isfinite(s));
    BOOST_TEST(v[0] == 0.0);
    BOOST_TEST(v[1] > 0.0);
    BOOST_TEST(v[1] < 1e-20);
    BOOST_TEST(v[2] == 0.5);
    BOOST_TEST(v[4] == 1.0);
  }
}

BOOST_AUTO_TEST_CASE(in_place_updates) {
  Tensor a = tensor({{1, 2}, {3, 4}});
  const Tensor alias = a;  // handles share data: in-place updates are visible through both
  a.add_(tensor({10, 20}), 0.5);
  expect_values(alias, {2, 2}, {6, 12, 8, 14});
  a.mul_(2);
  expect_values(alias, {2, 2}, {12, 24, 16, 28});
  a.copy_(tensor({{-1}, {1}}, {.dtype = kFloat64}));  // broadcast and converted
  BOOST_TEST(a.dtype() == kFloat32);
  expect_values(alias, {2, 2}, {-1, -1, 1, 1});
  a.fill_(7);
  expect_values(alias, {2, 2}, {7, 7, 7, 7});
  a.zero_();
  expect_values(alias, {2, 2}, {0, 0, 0, 0});
  Tensor i = tensor({1, 2}, {.dtype = kInt64});
  i.add_(tensor({1.9, 1.9}));  // converted to int64 before adding
  BOOST_TEST((i.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 3}));
  expect_error<ShapeError>([&] { a.add_(ones({3})); }, {"add_", "[3]", "[2, 2]"});
  expect_error<ShapeError>([&] { a.copy_(ones({2, 2, 2})); }, {"copy_", "[2, 2, 2]", "[2, 2]"});
}

BOOST_AUTO_TEST_CASE(in_place_on_leaf_requiring_grad) {
  Tensor w = ones({3}, {.requires_grad = true});
  expect_error<AutogradError>([&] { w.add_(ones({3})); }, {"add_", "leaf", "requires grad", "NoGradGuard"});
  expect_error<AutogradError>([&] { w.mul_(2); }, {"mul_"});
  expect_error<AutogradError>([&] { w.fill_(0); }, {"fill_"});
  expect_error<AutogradError>([&] { w.copy_(zeros({3})); }, {"copy_"});
  expect_values(w, {3}, {1, 1, 1});  // untouched by the refused updates
  {
    NoGradGuard guard;
    w.add_(ones({3}), -0.5);
    w.mul_(4);
  }
  expect_values(w, {3}, {2, 2, 2});
  BOOST_TEST(w.requires_grad());
}

BOOST_AUTO_TEST_SUITE_END()
