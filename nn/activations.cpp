#include <xgrad/nn/activations.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/nn/functional.hpp>

#include <map>

namespace xg::nn {
namespace {

namespace F = functional;

const std::map<std::string, ActivationFn>& registry() {
  static const auto* table = new std::map<std::string, ActivationFn>{
      {"linear", [](const Tensor& x) { return x; }},
      {"relu", [](const Tensor& x) { return F::relu(x); }},
      {"leaky_relu", [](const Tensor& x) { return F::leaky_relu(x, 0.2); }},  // Keras default slope 0.2
      {"elu", [](const Tensor& x) { return F::elu(x); }},
      {"selu", [](const Tensor& x) { return F::selu(x); }},
      {"gelu", [](const Tensor& x) { return F::gelu(x); }},
      {"sigmoid", [](const Tensor& x) { return F::sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return F::tanh(x); }},
      {"softmax", [](const Tensor& x) { return F::softmax(x, -1); }},
      {"log_softmax", [](const Tensor& x) { return F::log_softmax(x, -1); }},
      {"softplus", [](const Tensor& x) { return F::softplus(x); }},
      {"softsign", [](const Tensor& x) { return F::softsign(x); }},
      {"silu", [](const Tensor& x) { return F::silu(x); }},
      {"swish", [](const Tensor& x) { return F::silu(x); }},
  };
  return *table;
}

}  // namespace

ActivationFn activation(const std::string& name) {
  if (name.empty()) return registry().at("linear");
  auto it = registry().find(name);
  if (it == registry().end()) throw_unknown_name("activation", name, activation_names());
  return it->second;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& [n, f] : registry()) names.push_back(n);
  return names;
}

}  // namespace xg::nn
