// Reductions: sum/mean/max/min/var/argmax/argmin/logsumexp over one, several, negative and all
// axes with and without keepdims, checked against hand-computed values; exactness, thread-count
// independence, tie-breaking, stability and error messages.
#include "expect.hpp"

#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/random.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

using namespace xg;
using xg::test::expect_error;
using xg::test::expect_values;

namespace {

// x[i, j, k] = 12 i + 4 j + k for a [2, 3, 4] tensor: 0..23.
Tensor cube() { return arange(0, 24).reshape({2, 3, 4}); }

std::vector<std::int64_t> ints(const Tensor& t) { return t.to_vector<std::int64_t>(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(reduction)

BOOST_AUTO_TEST_CASE(sum_over_axes) {
  const Tensor x = cube();
  expect_values(sum(x), {}, {276});
  expect_values(sum(x, {0}), {3, 4}, {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34});
  expect_values(sum(x, {1}), {2, 4}, {12, 15, 18, 21, 48, 51, 54, 57});
  expect_values(sum(x, {2}), {2, 3}, {6, 22, 38, 54, 70, 86});
  expect_values(sum(x, {-1}), {2, 3}, {6, 22, 38, 54, 70, 86});
  expect_values(sum(x, {0, 2}), {3}, {60, 92, 124});
  expect_values(sum(x, {2, 0}), {3}, {60, 92, 124});  // axis order does not matter
  expect_values(sum(x, {0, 1}, true), {1, 1, 4}, {60, 66, 72, 78});
  expect_values(sum(x, {-2}, true), {2, 1, 4}, {12, 15, 18, 21, 48, 51, 54, 57});
  expect_values(sum(x, {}, true), {1, 1, 1}, {276});
  expect_values(x.sum({0, 1, 2}), {}, {276});
  expect_values(sum(zeros({3, 0}), {1}), {3}, {0, 0, 0});  // an empty sum is 0
  expect_values(sum(scalar_tensor(5)), {}, {5});
  const Tensor i = tensor({{1, 2}, {3, 4}}, {.dtype = kInt64});
  BOOST_TEST(sum(i).dtype() == kInt64);
  BOOST_TEST((ints(sum(i, {1})) == std::vector<std::int64_t>{3, 7}));
}

BOOST_AUTO_TEST_CASE(mean_over_axes) {
  const Tensor x = cube();
  expect_values(mean(x), {}, {11.5});
  expect_values(mean(x, {1}), {2, 4}, {4, 5, 6, 7, 16, 17, 18, 19});
  expect_values(mean(x, {-1, 0}, true), {1, 3, 1}, {7.5, 11.5, 15.5});
  const Tensor m = mean(tensor({1, 2}, {.dtype = kInt64}));
  BOOST_TEST(is_floating(m.dtype()));  // the mean of integers is fractional
  BOOST_TEST(m.item() == 1.5);
}

BOOST_AUTO_TEST_CASE(max_min_over_axes) {
  const Tensor x = tensor({{3, -1, 7}, {-5, 9, 2}});
  expect_values(max(x), {}, {9});
  expect_values(min(x), {}, {-5});
  expect_values(max(x, {0}), {3}, {3, 9, 7});
  expect_values(min(x, {1}), {2}, {-1, -5});
  expect_values(max(x, {-1}, true), {2, 1}, {7, 9});
  expect_values(x.min({0, 1}, true), {1, 1}, {-5});
  expect_values(max(cube(), {0, 2}), {3}, {15, 19, 23});
  expect_values(min(cube(), {1, 2}), {2}, {0, 12});
  const Tensor i = tensor({{4, -8}, {6, 1}}, {.dtype = kInt64});
  BOOST_TEST((ints(max(i, {0})) == std::vector<std::int64_t>{6, 1}));
  BOOST_TEST((ints(min(i)) == std::vector<std::int64_t>{-8}));
  expect_values(max(tensor({1, NAN, 3})), {}, {NAN});  // NaN propagates
  expect_error<ShapeError>([] { max(zeros({2, 0}), {1}); }, {"max", "empty", "[2, 0]"});
}

BOOST_AUTO_TEST_CASE(variance) {
  const Tensor x = tensor({{1, 2, 3, 4}, {2, 4, 6, 8}});
  // Row means 2.5 and 5; squared deviations sum to 5 and 20.
  expect_values(var(x, {1}), {2}, {5.0 / 3, 20.0 / 3});
  expect_values(var(x, {1}, false, 0), {2}, {1.25, 5.0});
  expect_values(var(x, {-1}, true), {2, 1}, {5.0 / 3, 20.0 / 3});
  expect_values(var(x, {0}), {4}, {0.5, 2, 4.5, 8});
  // All 8 values: mean 3.75, squared deviations sum to 37.5.
  expect_values(var(x), {}, {37.5 / 7});
  expect_values(var(x, {0, 1}, false, 0), {}, {37.5 / 8});
}

BOOST_AUTO_TEST_CASE(argmax_argmin) {
  const Tensor x = tensor({{3, -1, 7}, {-5, 9, 2}});
  BOOST_TEST(argmax(x).dtype() == kInt64);
  BOOST_TEST((ints(argmax(x)) == std::vector<std::int64_t>{4}));  // flattened index
  BOOST_TEST((ints(argmin(x)) == std::vector<std::int64_t>{3}));
  BOOST_TEST((ints(argmax(x, 1)) == std::vector<std::int64_t>{2, 1}));
  BOOST_TEST((ints(argmin(x, 0)) == std::vector<std::int64_t>{1, 0, 1}));
  BOOST_TEST((ints(argmax(x, -2)) == std::vector<std::int64_t>{0, 1, 0}));
  const Tensor k = argmax(x, 1, true);
  BOOST_TEST(shape_str(k.shape()) == "[2, 1]");
  BOOST_TEST((ints(argmax(cube(), 1)) == std::vector<std::int64_t>{2, 2, 2, 2, 2, 2, 2, 2}));
}

BOOST_AUTO_TEST_CASE(argmax_ties_pick_the_first) {
  const Tensor x = tensor({{1, 5, 5, 0}, {2, 2, 2, 2}});
  BOOST_TEST((ints(argmax(x, 1)) == std::vector<std::int64_t>{1, 0}));
  BOOST_TEST((ints(argmin(x, 1)) == std::vector<std::int64_t>{3, 0}));
  BOOST_TEST((ints(argmax(tensor({7, 7, 7}))) == std::vector<std::int64_t>{0}));
  BOOST_TEST((ints(argmax(tensor({{0, 0}, {0, 0}}), 0)) == std::vector<std::int64_t>{0, 0}));
}

BOOST_AUTO_TEST_CASE(logsumexp_values_and_stability) {
  const Tensor x = tensor({{0, std::log(3.0)}, {1, 1}}, {.dtype = kFloat64});
  expect_values(logsumexp(x, {1}), {2}, {std::log(4.0), 1 + std::log(2.0)}, 1e-12);
  expect_values(logsumexp(x, {0}, true), {1, 2}, {std::log(1 + std::exp(1.0)), std::log(3 + std::exp(1.0))}, 1e-12);
  expect_values(logsumexp(x), {}, {std::log(4 + 2 * std::exp(1.0))}, 1e-12);
  // Large inputs: exp(1000) overflows, the shifted form does not.
  const Tensor big = tensor({1000, 1000, 1000, 1000});
  expect_values(logsumexp(big), {}, {1000 + std::log(4.0)}, 1e-6);
  expect_values(logsumexp(tensor({-1000, -1000})), {}, {-1000 + std::log(2.0)}, 1e-6);
  expect_values(logsumexp(tensor({{1000, 0}, {-1000, 5}}), {1}), {2}, {1000, 5}, 1e-6);
  // All -inf gives -inf (not NaN).
  expect_values(logsumexp(tensor({-INFINITY, -INFINITY})), {}, {-INFINITY});
}

BOOST_AUTO_TEST_CASE(float32_sum_of_a_million_ones_is_exact) {
  BOOST_TEST(sum(ones({1000000})).item() == 1000000.0);
  expect_values(sum(ones({1000, 1000}), {0}), {1000}, std::vector<double>(1000, 1000.0), 0);
  expect_values(sum(ones({1000, 1000}), {1}), {1000}, std::vector<double>(1000, 1000.0), 0);
  BOOST_TEST(mean(ones({1000000})).item() == 1.0);
}

BOOST_AUTO_TEST_CASE(row_sums_of_every_tail_length_match_a_double_reference) {
  // Rows are summed in 8 interleaved partial sums: lengths 1..35 cover every tail and a row
  // shorter than the interleave; the inputs are exact in float and their sums exact in double.
  for (std::int64_t n = 1; n <= 35; ++n) {
    std::vector<double> values;
    double expected = 0;
    for (std::int64_t k = 0; k < 2 * n; ++k) {
      values.push_back(static_cast<double>((k * 37) % 11) - 5.0 + 0.25 * static_cast<double>(k % 4));
      if (k < n) expected += values.back();
    }
    const Tensor rows = from_vector(values, {2, n}, {.dtype = Dtype::Float32});
    BOOST_TEST(sum(rows, {1}).to_vector<double>()[0] == expected, "n = " << n);
    BOOST_TEST(sum(rows.reshape({2 * n})).item() == sum(rows, {1}).to_vector<double>()[0] +
                                                         sum(rows, {1}).to_vector<double>()[1],
               "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE(sums_do_not_depend_on_thread_count) {
  manual_seed(2024);
  const Tensor x = randn({3000000});
  const Tensor m = x.reshape({3000, 1000});
  const int threads = get_num_threads();
  set_num_threads(1);
  const double total1 = sum(x).item();
  const auto rows1 = sum(m, {1}).to_vector<float>();
  const auto cols1 = sum(m, {0}).to_vector<float>();
  set_num_threads(2);
  const double total2 = sum(x).item();
  const auto rows2 = sum(m, {1}).to_vector<float>();
  const auto cols2 = sum(m, {0}).to_vector<float>();
  set_num_threads(threads);
  BOOST_TEST(total1 == total2);  // bitwise
  BOOST_TEST(rows1 == rows2);
  BOOST_TEST(cols1 == cols2);
  BOOST_TEST(get_num_threads() == threads);
}

BOOST_AUTO_TEST_CASE(axis_errors) {
  const Tensor x = zeros({2, 3});
  expect_error<IndexError>([&] { sum(x, {2}); }, {"axis 2", "out of range", "2-d", "-2..1"});
  expect_error<IndexError>([&] { mean(x, {-3}); }, {"mean", "axis -3", "out of range"});
  expect_error<IndexError>([&] { max(x, {5}); }, {"axis 5"});
  expect_error<IndexError>([&] { argmax(x, 2); }, {"argmax", "axis 2"});
  expect_error<IndexError>([&] { logsumexp(x, {3}); }, {"logsumexp", "axis 3"});
  expect_error<ValueError>([&] { sum(x, {1, -1}); }, {"repeated"});
}

BOOST_AUTO_TEST_SUITE_END()
