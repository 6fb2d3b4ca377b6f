// The opt-in xtensor interop header: from_xarray / to_xarray copies in both directions, dtype
// mapping and conversion, 0-d and 3-d shapes, views and lazy expressions as sources.
#include "expect.hpp"

#include <xgrad/core/creation.hpp>
#include <xgrad/core/xtensor_interop.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

using namespace xg;
using xg::test::expect_values;

BOOST_AUTO_TEST_SUITE(xtensor_interop)

BOOST_AUTO_TEST_CASE(float_round_trip) {
  const xt::xarray<float> a = {{1.5f, -2.f, 3.25f}, {4.f, 5.f, -6.5f}};
  const Tensor t = from_xarray(a);
  BOOST_TEST(t.dtype() == kFloat32);
  expect_values(t, {2, 3}, {1.5, -2, 3.25, 4, 5, -6.5});
  const xt::xarray<float> back = to_xarray<float>(t);
  BOOST_TEST((back == a));
}

BOOST_AUTO_TEST_CASE(double_round_trip) {
  const xt::xarray<double> a = {0.1, 1e-300, -7.0 / 3};
  const Tensor t = from_xarray(a);
  BOOST_TEST(t.dtype() == kFloat64);  // the source dtype is kept
  BOOST_TEST(t.to_vector<double>() == std::vector<double>(a.begin(), a.end()));  // bit-exact
  BOOST_TEST((to_xarray<double>(t) == a));
}

BOOST_AUTO_TEST_CASE(int64_round_trip) {
  const xt::xarray<std::int64_t> a = {{9007199254740993, -4}, {0, 7}};
  const Tensor t = from_xarray(a);
  BOOST_TEST(t.dtype() == kInt64);
  BOOST_TEST((t.to_vector<std::int64_t>() == std::vector<std::int64_t>{9007199254740993, -4, 0, 7}));
  BOOST_TEST((to_xarray<std::int64_t>(t) == a));
  // Other integer types map to int64.
  const xt::xarray<int> small = {1, 2};
  BOOST_TEST(from_xarray(small).dtype() == kInt64);
}

BOOST_AUTO_TEST_CASE(zero_dimensional_round_trip) {
  const xt::xarray<double> a = xt::xarray<double>::from_shape({});
  xt::xarray<double> s = a;
  s() = 2.5;
  const Tensor t = from_xarray(s);
  BOOST_TEST(t.dim() == 0);
  BOOST_TEST(t.item() == 2.5);
  const xt::xarray<float> back = to_xarray<float>(scalar_tensor(-4));
  BOOST_TEST(back.dimension() == 0u);
  BOOST_TEST(back() == -4.0f);
}

BOOST_AUTO_TEST_CASE(three_dimensional_round_trip) {
  const Tensor t = arange(0, 24).reshape({2, 3, 4});
  const xt::xarray<double> a = to_xarray<double>(t);
  BOOST_TEST((std::vector<std::size_t>(a.shape().begin(), a.shape().end()) == std::vector<std::size_t>{2, 3, 4}));
  BOOST_TEST(a(1, 2, 3) == 23.0);  // row-major on both sides
  BOOST_TEST(a(1, 0, 2) == 14.0);
  const Tensor u = from_xarray(a, {.dtype = kFloat32});
  expect_values(u, {2, 3, 4}, t.to_vector<double>());
  BOOST_TEST((to_xarray<double>(u) == a));
}

BOOST_AUTO_TEST_CASE(conversions_and_options) {
  const xt::xarray<double> a = {1.75, -2.5};
  const Tensor f = from_xarray(a, {.dtype = kFloat32, .requires_grad = true});
  BOOST_TEST(f.dtype() == kFloat32);
  BOOST_TEST(f.requires_grad());
  expect_values(f, {2}, {1.75, -2.5});
  const Tensor i = from_xarray(a, {.dtype = kInt64});
  BOOST_TEST((i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2}));
  const xt::xarray<std::int64_t> ints = to_xarray<std::int64_t>(f);
  BOOST_TEST((ints == xt::xarray<std::int64_t>{1, -2}));
}

BOOST_AUTO_TEST_CASE(copies_do_not_alias) {
  xt::xarray<float> a = {1.f, 2.f};
  const Tensor t = from_xarray(a);
  a(0) = 100.f;
  expect_values(t, {2}, {1, 2});
  xt::xarray<float> b = to_xarray<float>(t);
  b(1) = -1.f;
  expect_values(t, {2}, {1, 2});
}

BOOST_AUTO_TEST_CASE(views_and_expressions) {
  const xt::xarray<double> a = {{1, 2, 3}, {4, 5, 6}};
  // A column-major transpose and a lazy expression are evaluated in row-major order.
  expect_values(from_xarray(xt::transpose(a)), {3, 2}, {1, 4, 2, 5, 3, 6});
  expect_values(from_xarray(xt::view(a, xt::all(), xt::range(1, 3))), {2, 2}, {2, 3, 5, 6});
  expect_values(from_xarray(a * 2.0 + 1.0), {2, 3}, {3, 5, 7, 9, 11, 13});
  const xt::xarray<double, xt::layout_type::column_major> c = a;
  expect_values(from_xarray(c), {2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(from_xarray(xt::xarray<double>::from_shape({0, 2})), {0, 2}, {});
}

BOOST_AUTO_TEST_SUITE_END()
