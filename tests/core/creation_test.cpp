// Creation functions: constants, ranges, identity, nested lists, vectors, options, and the seeded
// random generators (reproducibility, ranges, sample statistics).
#include "expect.hpp"

#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/random.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <set>

using namespace xg;
using xg::test::expect_error;
using xg::test::expect_values;

namespace {

// Sample mean and (population) standard deviation.
std::pair<double, double> mean_std(const std::vector<double>& v) {
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size()))};
}

// Same seed gives identical draws; a different seed gives different draws.
void check_reproducible(const std::function<Tensor()>& draw) {
  manual_seed(1234);
  const auto a = draw().to_vector<double>();
  manual_seed(1234);
  const auto b = draw().to_vector<double>();
  manual_seed(4321);
  const auto c = draw().to_vector<double>();
  BOOST_TEST(a == b);
  BOOST_TEST(a != c);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(creation)

BOOST_AUTO_TEST_CASE(constants) {
  const Tensor z = zeros({2, 3});
  BOOST_TEST(z.dtype() == kFloat32);
  expect_values(z, {2, 3}, std::vector<double>(6, 0.0));
  expect_values(ones({4}), {4}, {1, 1, 1, 1});
  expect_values(full({2, 2}, -2.5), {2, 2}, {-2.5, -2.5, -2.5, -2.5});
  expect_values(full({0, 3}, 7.0), {0, 3}, {});

  const Tensor s = scalar_tensor(3.25);
  BOOST_TEST(s.dim() == 0);
  BOOST_TEST(s.numel() == 1);
  BOOST_TEST(s.item() == 3.25);

  const Tensor like = zeros({2, 1}, {.dtype = kFloat64});
  const Tensor f = full_like(like, 9.0);
  BOOST_TEST(f.dtype() == kFloat64);
  expect_values(f, {2, 1}, {9, 9});
  expect_values(ones_like(like), {2, 1}, {1, 1});
  expect_values(zeros_like(f), {2, 1}, {0, 0});
}

BOOST_AUTO_TEST_CASE(arange_values) {
  expect_values(arange(0, 5), {5}, {0, 1, 2, 3, 4});
  expect_values(arange(2, 8, 3), {2}, {2, 5});
  expect_values(arange(5, 0, -1), {5}, {5, 4, 3, 2, 1});
  expect_values(arange(0, 1, 0.25), {4}, {0, 0.25, 0.5, 0.75});
  expect_values(arange(1, 0, -0.3, {.dtype = kFloat64}), {4}, {1, 0.7, 0.4, 0.1}, 1e-12);
  // 0.3 / 0.1 is 2.9999999999999996 in floating point: three values, as numpy.arange.
  expect_values(arange(0, 0.3, 0.1), {3}, {0, 0.1, 0.2});
  expect_values(arange(3, 3), {0}, {});
  expect_values(arange(3, 0), {0}, {});  // positive step moving away from end: empty
  BOOST_TEST(arange(0, 4, 1, {.dtype = kInt64}).dtype() == kInt64);
  expect_error<ValueError>([] { arange(0, 1, 0); }, {"arange", "non-zero step"});
}

BOOST_AUTO_TEST_CASE(linspace_values) {
  expect_values(linspace(0, 1, 5), {5}, {0, 0.25, 0.5, 0.75, 1});
  expect_values(linspace(3, -3, 4), {4}, {3, 1, -1, -3});
  // Endpoints are exact even when the step is not representable.
  const auto v = linspace(0.1, 0.7, 7, {.dtype = kFloat64}).to_vector<double>();
  BOOST_TEST(v.front() == 0.1);
  BOOST_TEST(v.back() == 0.7);
  expect_values(linspace(0, 10, 0), {0}, {});
  expect_values(linspace(2, 7, 1), {1}, {2});  // one step: just the start, as numpy and PyTorch
  expect_error<ValueError>([] { linspace(0, 1, -1); }, {"linspace", "-1"});
}

BOOST_AUTO_TEST_CASE(eye_values) {
  expect_values(eye(3), {3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  expect_values(eye(2, 3), {2, 3}, {1, 0, 0, 0, 1, 0});
  expect_values(eye(3, 2), {3, 2}, {1, 0, 0, 1, 0, 0});
  expect_values(eye(0), {0, 0}, {});
  BOOST_TEST(eye(2, 2, {.dtype = kInt64}).dtype() == kInt64);
}

BOOST_AUTO_TEST_CASE(nested_lists) {
  expect_values(tensor({1, 2, 3}), {3}, {1, 2, 3});
  expect_values(tensor({{1, 2, 3}, {4, 5, 6}}), {2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(tensor({{{1}, {2}}, {{3}, {4}}}), {2, 2, 1}, {1, 2, 3, 4});
  expect_values(tensor({{1.5, -2.5}}), {1, 2}, {1.5, -2.5});
  const Tensor s = tensor(7.0);
  BOOST_TEST(s.dim() == 0);
  BOOST_TEST(s.item() == 7.0);
  expect_error<ShapeError>([] { tensor({{1, 2}, {3}}); }, {"ragged", "[1]", "[2]"});
  expect_error<ShapeError>([] { tensor({1, {2, 3}}); }, {"ragged"});
}

BOOST_AUTO_TEST_CASE(from_vectors) {
  const Tensor f = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_TEST(f.dtype() == kFloat32);
  expect_values(f, {2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor d = from_vector(std::vector<double>{0.5, 1.5}, {2});
  BOOST_TEST(d.dtype() == kFloat64);
  const Tensor i = from_vector(std::vector<std::int64_t>{-7, 9}, {2, 1});
  BOOST_TEST(i.dtype() == kInt64);
  BOOST_TEST((i.to_vector<std::int64_t>() == std::vector<std::int64_t>{-7, 9}));
  // The tensor owns a copy.
  std::vector<float> src{1, 2};
  const Tensor c = from_vector(src, {2});
  src[0] = 100;
  BOOST_TEST(c.to_vector<float>()[0] == 1.0f);
  expect_error<ShapeError>([] { from_vector(std::vector<float>{1, 2, 3, 4, 5}, {2, 3}); },
                           {"from_vector", "5 values", "[2, 3]", "6 elements"});
}

BOOST_AUTO_TEST_CASE(dtype_options) {
  BOOST_TEST(zeros({2}, {.dtype = kFloat64}).dtype() == kFloat64);
  BOOST_TEST(ones({2}, {.dtype = kInt64}).dtype() == kInt64);
  const Tensor t = tensor({1.7, -2.2, 3.0}, {.dtype = kInt64});
  BOOST_TEST((t.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3}));  // truncates like a C cast
  const Tensor d = from_vector(std::vector<float>{0.1f}, {1}, {.dtype = kFloat64});
  BOOST_TEST(d.dtype() == kFloat64);
  BOOST_TEST(d.item() == static_cast<double>(0.1f));
  BOOST_TEST(rand({3}, {.dtype = kFloat64}).dtype() == kFloat64);
  BOOST_TEST(randint(0, 5, {3}).dtype() == kInt64);
  BOOST_TEST(randperm(4).dtype() == kInt64);
}

BOOST_AUTO_TEST_CASE(requires_grad_option) {
  const Tensor x = ones({3}, {.requires_grad = true});
  BOOST_TEST(x.requires_grad());
  BOOST_TEST(x.is_leaf());
  BOOST_TEST(!ones({3}).requires_grad());
  BOOST_TEST(randn({2}, {.dtype = kFloat64, .requires_grad = true}).requires_grad());
  expect_error<DtypeError>([] { zeros({2}, {.dtype = kInt64, .requires_grad = true}); }, {"int64"});
}

BOOST_AUTO_TEST_CASE(seeded_generators_reproduce) {
  check_reproducible([] { return rand({100}); });
  check_reproducible([] { return randn({100}); });
  check_reproducible([] { return uniform({10, 10}, -3, 5); });
  check_reproducible([] { return normal({100}, 2, 0.5, {.dtype = kFloat64}); });
  check_reproducible([] { return randint(0, 1000, {100}); });
  check_reproducible([] { return randperm(100); });
  // Consecutive draws differ; restoring the generator state replays them.
  manual_seed(7);
  const GeneratorState state = get_rng_state();
  const auto first = rand({50}).to_vector<double>();
  const auto second = rand({50}).to_vector<double>();
  BOOST_TEST(first != second);
  set_rng_state(state);
  BOOST_TEST(rand({50}).to_vector<double>() == first);
}

BOOST_AUTO_TEST_CASE(draws_do_not_depend_on_thread_count) {
  const int threads = get_num_threads();
  set_num_threads(1);
  manual_seed(99);
  const auto one = randn({200000}).to_vector<double>();
  set_num_threads(2);
  manual_seed(99);
  const auto two = randn({200000}).to_vector<double>();
  set_num_threads(threads);
  BOOST_TEST(one == two);
}

BOOST_AUTO_TEST_CASE(value_ranges) {
  manual_seed(3);
  const auto u = rand({100000}).to_vector<double>();
  BOOST_TEST(*std::min_element(u.begin(), u.end()) >= 0.0);
  BOOST_TEST(*std::max_element(u.begin(), u.end()) < 1.0);
  // At this generator position the double draw is 0.99999998908..., which rounds to 1.0f.
  set_rng_state({.seed = 0, .offset = 71791628});
  BOOST_TEST(rand({1}).item() < 1.0);
  set_rng_state({.seed = 0, .offset = 71791628});
  BOOST_TEST(rand({1}, {.dtype = kFloat64}).item() == 0.99999998908736676);
  const auto w = uniform({100000}, -2, 3, {.dtype = kFloat64}).to_vector<double>();
  BOOST_TEST(*std::min_element(w.begin(), w.end()) >= -2.0);
  BOOST_TEST(*std::max_element(w.begin(), w.end()) < 3.0);
  BOOST_TEST(std::abs(mean_std(w).first - 0.5) < 0.05);

  const auto r = randint(-3, 4, {10000}).to_vector<std::int64_t>();
  const std::set<std::int64_t> seen(r.begin(), r.end());
  BOOST_TEST((seen == std::set<std::int64_t>{-3, -2, -1, 0, 1, 2, 3}));  // every value, nothing else

  auto p = randperm(1000).to_vector<std::int64_t>();
  std::vector<std::int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  BOOST_TEST(p != identity);  // shuffled...
  std::sort(p.begin(), p.end());
  BOOST_TEST(p == identity);  // ...but a permutation
  BOOST_TEST(randperm(0).numel() == 0);

  expect_error<ValueError>([] { randint(5, 5, {2}); }, {"randint", "low < high"});
  expect_error<ValueError>([] { normal({2}, 0, -1); }, {"normal", "std"});
  expect_error<ValueError>([] { uniform({2}, 1, 0); }, {"uniform", "low <= high"});
}

BOOST_AUTO_TEST_CASE(sample_statistics) {
  manual_seed(11);
  const auto [m, s] = mean_std(randn({100000}).to_vector<double>());
  // Standard errors: 1/sqrt(n) = 0.0032 for the mean, 1/sqrt(2n) = 0.0022 for the std.
  BOOST_TEST(std::abs(m) < 0.02);
  BOOST_TEST(std::abs(s - 1.0) < 0.02);
  const auto [m2, s2] = mean_std(normal({100000}, 3, 2, {.dtype = kFloat64}).to_vector<double>());
  BOOST_TEST(std::abs(m2 - 3.0) < 0.04);
  BOOST_TEST(std::abs(s2 - 2.0) < 0.04);
  // Uniform [0, 1): mean 1/2, std 1/sqrt(12).
  const auto [m3, s3] = mean_std(rand({100000}).to_vector<double>());
  BOOST_TEST(std::abs(m3 - 0.5) < 0.01);
  BOOST_TEST(std::abs(s3 - 1.0 / std::sqrt(12.0)) < 0.01);
}

BOOST_AUTO_TEST_SUITE_END()
