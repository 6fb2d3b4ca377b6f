#pragma once
// Shared by the autograd test files: float64 tensors from nested lists, and their values.
#include <xgrad/xgrad.hpp>

#include <vector>

namespace autograd_test {

/// A float64 tensor (requiring grad unless told otherwise) from a nested list.
inline xg::Tensor f64(const xg::NestedList& values, bool requires_grad = true) {
  return xg::tensor(values, {.dtype = xg::kFloat64, .requires_grad = requires_grad});
}

/// The elements of a tensor as doubles.
inline std::vector<double> values(const xg::Tensor& t) { return t.to_vector<double>(); }

}  // namespace autograd_test
