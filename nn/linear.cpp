#include <xgrad/nn/linear.hpp>

#include <xgrad/autograd/ops/linalg.hpp>
#include <xgrad/core/error.hpp>

#include <cmath>

namespace xg::nn {

Dense::Dense(std::int64_t units, DenseOptions options) : Dense("Dense", units, std::move(options)) {}

Dense::Dense(std::string type, std::int64_t units, DenseOptions options)
    : Module(std::move(type)),
      units_(units),
      use_bias_(options.use_bias),
      activation_name_(options.activation.empty() ? "linear" : options.activation),
      activation_(activation(options.activation)),
      kernel_initializer_(std::move(options.kernel_initializer)),
      bias_initializer_(std::move(options.bias_initializer)) {
  if (units <= 0)
    throw ValueError("layer '" + name() + "' (" + type_name() + "): units must be positive, got " + std::to_string(units));
  if (!options.name.empty()) set_name(options.name);
  if (options.in_features >= 0) build(options.in_features);
}

void Dense::build(std::int64_t in_features) {
  if (in_features <= 0)
    throw ShapeError("layer '" + name() + "' (" + type_name() + "): input features must be positive, got " +
                     std::to_string(in_features));
  in_features_ = in_features;
  weight = register_parameter("weight", kernel_initializer_.make({units_, in_features}));
  if (use_bias_) bias = register_parameter("bias", bias_initializer_.make({units_}));
}

Tensor Dense::forward(const Tensor& x) {
  if (x.dim() < 1) throw ShapeError(type_name() + " expects an input of rank >= 1, got a scalar");
  if (!built()) build(x.size(-1));
  if (x.size(-1) != in_features_)
    throw ShapeError(type_name() + " expects inputs with " + std::to_string(in_features_) +
                     " features on the last axis, got shape " + shape_str(x.shape()));
  if (const auto fused = fusable_activation(activation_name_)) return linear(x, weight, bias, *fused);
  return activation_(linear(x, weight, bias));
}

std::string Dense::describe() const {
  return type_name() + "(units=" + std::to_string(units_) + ", in_features=" +
         (in_features_ < 0 ? std::string("?") : std::to_string(in_features_)) + ", activation=" + activation_name_ +
         ", use_bias=" + (use_bias_ ? "true" : "false") + ")";
}

namespace {
DenseOptions linear_options(std::int64_t in_features, bool bias) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(in_features, 1)));
  return {.in_features = in_features,
          .use_bias = bias,
          .kernel_initializer = init::RandomUniform{-bound, bound},
          .bias_initializer = init::RandomUniform{-bound, bound}};
}
}  // namespace

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias)
    : Dense("Linear", out_features, linear_options(in_features, bias)) {}

std::string Linear::describe() const {
  return "Linear(in_features=" + std::to_string(in_features()) + ", out_features=" + std::to_string(units()) +
         ", bias=" + (bias.defined() ? "true" : "false") + ")";
}

}  // namespace xg::nn
