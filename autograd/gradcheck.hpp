#pragma once
// Finite-difference checks of autograd gradients (float64, central differences).
//
//   auto r = xg::autograd::gradcheck([](const auto& in) { return xg::tanh(in[0]) * in[1]; }, {x, w});
//   if (!r) std::cerr << r.message;
//
// gradcheck compares the full Jacobian from backward with (f(x + eps) - f(x - eps)) / (2 eps), one
// input element at a time. gradgradcheck applies the same check to the gradient function itself
// (built with create_graph), which verifies second derivatives.
#include <xgrad/core/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xg::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   ///< finite-difference step
  double atol = 1e-5;  ///< |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  ///< where the first mismatch is, with both values
  explicit operator bool() const { return ok; }
};

using DifferentiableFn = std::function<Tensor(const std::vector<Tensor>&)>;
using MultiOutputFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

/// Checks first derivatives of `fn` at `inputs`. Inputs that require grad must be float64.
GradcheckResult gradcheck(const DifferentiableFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options = {});
GradcheckResult gradcheck(const MultiOutputFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options = {});
/// Checks second derivatives: gradcheck of inputs -> grad(fn(inputs), inputs, v, create_graph).
GradcheckResult gradgradcheck(const DifferentiableFn& fn, const std::vector<Tensor>& inputs,
                              GradcheckOptions options = {});

}  // namespace xg::autograd
