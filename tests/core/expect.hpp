#pragma once
// Assertion helpers shared by the core test files: compare a tensor with hand-written values, and
// check that a call throws a given exception type whose message names what it should.
#include <xgrad/core/tensor.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

namespace xg::test {

/// Checks t's shape, then every element against `expected` (row-major) within `tol`
/// (NaN matches NaN, infinities must match exactly).
inline void expect_values(const Tensor& t, const Shape& shape, const std::vector<double>& expected,
                          double tol = 1e-6) {
  BOOST_TEST_REQUIRE(shape_str(t.shape()) == shape_str(shape));
  const std::vector<double> got = t.to_vector<double>();
  BOOST_TEST_REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST_CONTEXT("element " << i << ": got " << got[i] << ", expected " << expected[i]) {
      if (std::isnan(expected[i])) BOOST_TEST(std::isnan(got[i]));
      else if (std::isinf(expected[i])) BOOST_TEST(got[i] == expected[i]);
      else BOOST_TEST(std::abs(got[i] - expected[i]) <= tol * std::max(1.0, std::abs(expected[i])));
    }
  }
}

/// Checks that f() throws an E whose what() contains every fragment.
template <class E, class F> void expect_error(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& fragment : fragments)
      BOOST_TEST_CONTEXT("message '" << what << "' should contain '" << fragment << "'") {
        BOOST_TEST(what.find(fragment) != std::string::npos);
      }
    return;
  }
  BOOST_ERROR("the expected exception was not thrown");
}

}  // namespace xg::test
