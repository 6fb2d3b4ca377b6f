#pragma once
// Activations that the matrix-product ops (linear, conv2d) apply in place to their own output,
// so a Dense or Conv2D layer with activation "relu" is one node, one pass over memory and one
// output allocation instead of two. Backward needs only the output y = act(x):
//   relu: dy/dx = [y > 0]     tanh: 1 - y^2     sigmoid: y (1 - y)     identity: 1
#include <optional>
#include <string_view>

namespace xg {

enum class Activation { Identity, Relu, Tanh, Sigmoid };

/// "linear" for Identity, else "relu", "tanh", "sigmoid".
const char* activation_name(Activation act);

/// The fusable activation of a Keras activation name ("" and "linear" are Identity), or nullopt
/// for the others (softmax, elu, gelu, ...), which layers apply as a separate op.
std::optional<Activation> fusable_activation(std::string_view name);

}  // namespace xg
