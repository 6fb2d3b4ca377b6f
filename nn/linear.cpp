#include <xgrad/nn/linear.hpp>

#include <xgrad/autograd/ops/linalg.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/layer_error.hpp>

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
  if (x.dim() < min_rank_) {
    const std::string got = x.dim() == 0 ? "a scalar" : "a rank-1 input";
    throw_input_mismatch(*this, {-1, in_features_}, x.shape(),
                         min_rank_ == 1 ? type_name() + " takes [..., in_features], got a scalar"
                                        : type_name() + " takes a batch [N, features] (rank >= 2), got " + got +
                                              "; add the batch axis with x.unsqueeze(0) for one sample, or "
                                              "x.reshape({-1, 1}) for one feature per sample");
  }
  if (!built()) {
    build(x.size(-1));
    built_lazily_ = true;
  }
  if (x.size(-1) != in_features_) {
    Shape expected(static_cast<std::size_t>(x.dim()), -1);
    expected.back() = in_features_;
    const std::string features = std::to_string(in_features_) + " features on the last axis";
    throw_input_mismatch(*this, expected, x.shape(),
                         (built_lazily_ ? "its weights were built for " + features + ", inferred from its first input"
                                        : "it takes " + features + " (in_features = " + std::to_string(in_features_) +
                                              ")") +
                             "; this input has shape " + shape_str(x.shape()));
  }
  const auto fused = fusable_activation(activation_name_);
  if (!cached_inference_applies(x, weight, bias)) {
    transposed_weight_.clear();
  } else {
    const Tensor y = cached_inference_linear(x, transposed_weight_.lookup(weight), units_, bias, fused);
    return fused ? y : activation_(y);
  }
  if (fused) return linear(x, weight, bias, *fused);
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
    : Dense("Linear", out_features, linear_options(in_features, bias)) {
  min_rank_ = 1;  // PyTorch's Linear also takes one unbatched sample [in_features]
}

std::string Linear::describe() const {
  return "Linear(in_features=" + std::to_string(in_features()) + ", out_features=" + std::to_string(units()) +
         ", bias=" + (bias.defined() ? "true" : "false") + ")";
}

}  // namespace xg::nn
