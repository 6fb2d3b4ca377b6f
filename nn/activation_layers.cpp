// Activation layers: each constructor hands its functional form and its printed arguments to
// ActivationLayer, which does the forward.
#include <xgrad/nn/activation_layers.hpp>

#include <xgrad/nn/functional.hpp>

#include <sstream>

namespace xg::nn {
namespace {

namespace F = functional;

std::string argument(const char* key, double value) {
  std::ostringstream os;
  os << key << "=" << value;
  return os.str();
}

}  // namespace

ActivationLayer::ActivationLayer(std::string type, std::function<Tensor(const Tensor&)> fn, std::string arguments,
                                 const ActivationLayerOptions& options)
    : Module(std::move(type)), fn_(std::move(fn)), arguments_(std::move(arguments)) {
  if (!options.name.empty()) set_name(options.name);
}

ReLU::ReLU(ActivationLayerOptions options)
    : ActivationLayer("ReLU", [](const Tensor& x) { return F::relu(x); }, "", options) {}

LeakyReLU::LeakyReLU(double negative_slope, ActivationLayerOptions options)
    : ActivationLayer("LeakyReLU", [negative_slope](const Tensor& x) { return F::leaky_relu(x, negative_slope); },
                      argument("negative_slope", negative_slope), options),
      negative_slope_(negative_slope) {}

ELU::ELU(double alpha, ActivationLayerOptions options)
    : ActivationLayer("ELU", [alpha](const Tensor& x) { return F::elu(x, alpha); }, argument("alpha", alpha), options),
      alpha_(alpha) {}

GELU::GELU(ActivationLayerOptions options)
    : ActivationLayer("GELU", [](const Tensor& x) { return F::gelu(x); }, "", options) {}

Tanh::Tanh(ActivationLayerOptions options)
    : ActivationLayer("Tanh", [](const Tensor& x) { return F::tanh(x); }, "", options) {}

Sigmoid::Sigmoid(ActivationLayerOptions options)
    : ActivationLayer("Sigmoid", [](const Tensor& x) { return F::sigmoid(x); }, "", options) {}

Softmax::Softmax(std::int64_t axis, ActivationLayerOptions options)
    : ActivationLayer("Softmax", [axis](const Tensor& x) { return F::softmax(x, axis); },
                      "axis=" + std::to_string(axis), options),
      axis_(axis) {}

LogSoftmax::LogSoftmax(std::int64_t axis, ActivationLayerOptions options)
    : ActivationLayer("LogSoftmax", [axis](const Tensor& x) { return F::log_softmax(x, axis); },
                      "axis=" + std::to_string(axis), options),
      axis_(axis) {}

}  // namespace xg::nn
