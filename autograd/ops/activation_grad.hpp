#pragma once
// The backward of a fused activation, shared by relu / tanh / sigmoid and by the fused linear and
// conv2d ops: g * act'(x) from the saved output y. Plain backward runs the one-pass kernel; with
// create_graph it is spelled in differentiable ops (the same formula), so second
// derivatives flow through the saved output.
#include <xgrad/autograd/context.hpp>
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

#include <array>

namespace xg::autograd {

Tensor activation_grad(Activation act, const Tensor& grad, const Tensor& output);

/// The gradient before the activation of a product op that fused `act` into its node: `grad`
/// itself for Identity, else activation_grad from the output the op saved (save_output()).
Tensor fused_activation_grad(Context& ctx, Activation act, const Tensor& grad);

/// Node names of a product op per fused activation, in enum order (Identity, Relu, Tanh, Sigmoid):
/// {"Linear", "LinearRelu", "LinearTanh", "LinearSigmoid"}. String literals (track() keeps them).
using FusedNodeNames = std::array<const char*, 4>;
inline const char* fused_node_name(const FusedNodeNames& names, Activation act) {
  return names[static_cast<std::size_t>(act)];
}

}  // namespace xg::autograd
