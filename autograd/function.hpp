#pragma once
// Custom differentiable operations, PyTorch style:
//
//   struct Cube : xg::autograd::Function<Cube> {
//     static constexpr const char* name = "Cube";
//     static xg::Tensor forward(xg::autograd::Context& ctx, const xg::Tensor& x) {
//       ctx.save_for_backward({x});
//       return x * x * x;                       // runs without recording
//     }
//     static std::vector<xg::Tensor> backward(xg::autograd::Context& ctx, const xg::Tensor& g) {
//       const xg::Tensor& x = ctx.saved(0);
//       return {g * 3.0 * x * x};               // one gradient per Tensor argument of forward
//     }
//   };
//   xg::Tensor y = Cube::apply(x);
//
// forward runs under NoGradGuard; its Tensor arguments become the node's inputs, in order.
// Non-tensor arguments are passed through (keep what backward needs in ctx.ints / ctx.reals).
// Saving the output itself with save_for_backward is fine: it is stored without a cycle.
// Write backward with differentiable ops and the function supports higher-order gradients.
#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/grad_mode.hpp>

#include <type_traits>
#include <utility>
#include <vector>

namespace xg::autograd {

template <class Derived> struct Function {
  template <class... Args> static Tensor apply(Args&&... args) {
    auto node = std::make_shared<FunctionNode>(node_name(), &backward_thunk);
    std::vector<Tensor> inputs;
    (collect(inputs, args), ...);
    Tensor out;
    {
      NoGradGuard no_grad;
      out = Derived::forward(node->context(), std::forward<Args>(args)...);
    }
    if (!out.defined()) throw AutogradError(std::string(node_name()) + "::forward returned an undefined tensor");
    // A tensor returned unchanged from forward must not be re-parented: return a fresh alias.
    for (const auto& in : inputs)
      if (out.is_same(in)) out = in.detach();
    if (AnomalyMode::is_enabled()) check_finite(out, node_name(), "forward output");
    if (any_requires_grad(inputs)) {
      node->attach(inputs, out);
      node->context().adopt_saved_output(out);
    }
    return out;
  }

 private:
  static const char* node_name() {
    if constexpr (requires { Derived::name; }) return Derived::name;
    else return "CustomFunction";
  }
  static std::vector<Tensor> backward_thunk(Context& ctx, const Tensor& grad) { return Derived::backward(ctx, grad); }
  template <class A> static void collect(std::vector<Tensor>& inputs, const A& arg) {
    if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) inputs.push_back(arg);
  }
};

}  // namespace xg::autograd
