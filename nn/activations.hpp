#pragma once
// Activations by Keras name: "relu", "softmax", "tanh", ... An unknown name throws a ValueError
// that lists every valid one.
#include <xgrad/core/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xg::nn {

using ActivationFn = std::function<Tensor(const Tensor&)>;

/// The activation function named `name` ("linear" or "" is the identity). softmax and
/// log_softmax act on the last axis.
ActivationFn activation(const std::string& name);
/// Every accepted name, sorted.
std::vector<std::string> activation_names();

}  // namespace xg::nn
