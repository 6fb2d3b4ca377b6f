#include <xgrad/core/activation.hpp>

namespace xg {

const char* activation_name(Activation act) {
  switch (act) {
    case Activation::Relu: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Identity: break;
  }
  return "linear";
}

std::optional<Activation> fusable_activation(std::string_view name) {
  if (name.empty() || name == "linear") return Activation::Identity;
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  return std::nullopt;
}

}  // namespace xg
