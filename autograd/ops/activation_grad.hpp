#pragma once
// The backward of a fused activation, shared by relu / tanh / sigmoid and by the fused linear and
// conv2d ops: g * act'(x) from the saved output y. Plain backward runs the one-pass kernel; with
// create_graph it is spelled in differentiable ops (the same formula), so second
// derivatives flow through the saved output.
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

namespace xg::autograd {

Tensor activation_grad(Activation act, const Tensor& grad, const Tensor& output);

}  // namespace xg::autograd
