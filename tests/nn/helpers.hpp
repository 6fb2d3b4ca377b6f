#pragma once
// Shared by the nn test files: float64 tensor builders and gradient-check assertions (the value
// and error assertions come from core/expect.hpp).
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

#include "core/expect.hpp"

#include <vector>

namespace nn_test {

/// A float64 tensor from a nested list.
inline xg::Tensor f64(const xg::NestedList& values, bool requires_grad = false) {
  return xg::tensor(values, {.dtype = xg::kFloat64, .requires_grad = requires_grad});
}

/// A float64 standard-normal tensor that requires grad.
inline xg::Tensor randn64(const xg::Shape& shape) {
  return xg::randn(shape, {.dtype = xg::kFloat64, .requires_grad = true});
}

/// gradcheck of fn at inputs must pass; the failure message names the mismatching element.
inline void expect_gradcheck(const xg::autograd::DifferentiableFn& fn, const std::vector<xg::Tensor>& inputs,
                             xg::autograd::GradcheckOptions options = {}) {
  const auto result = xg::autograd::gradcheck(fn, inputs, options);
  BOOST_TEST(result.ok, result.message);
}

/// gradgradcheck (second derivatives) of fn at inputs must pass.
inline void expect_gradgradcheck(const xg::autograd::DifferentiableFn& fn, const std::vector<xg::Tensor>& inputs,
                                 xg::autograd::GradcheckOptions options = {}) {
  const auto result = xg::autograd::gradgradcheck(fn, inputs, options);
  BOOST_TEST(result.ok, result.message);
}

}  // namespace nn_test
