// Batch normalization: statistics with keepdims reductions over every axis but the channel axis,
// per-channel tensors reshaped to [1, C, 1, ...] so they broadcast; running statistics are updated
// in place outside the graph.
#include <xgrad/nn/batchnorm.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/layer_error.hpp>

#include <algorithm>
#include <sstream>

namespace xg::nn {

namespace functional {
namespace {

void check_channels(const char* what, const Tensor& t, std::int64_t channels, const Shape& input) {
  if (t.defined() && t.shape() != Shape{channels})
    throw ShapeError(std::string("batch_norm: ") + what + " of shape " + shape_str(t.shape()) + " does not match the " +
                     std::to_string(channels) + " channels of input " + shape_str(input) + " (expected [" +
                     std::to_string(channels) + "])");
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  if (x.dim() < 2) throw ShapeError("batch_norm: expected an input [N, C, ...], got " + shape_str(x.shape()));
  const std::int64_t channels = x.size(1);
  check_channels("running_mean", running_mean, channels, x.shape());
  check_channels("running_var", running_var, channels, x.shape());
  check_channels("weight", weight, channels, x.shape());
  check_channels("bias", bias, channels, x.shape());
  if (running_mean.defined() != running_var.defined())
    throw ValueError("batch_norm: running_mean and running_var must both be given or both be undefined");

  Shape per_channel(static_cast<std::size_t>(x.dim()), 1);  // [1, C, 1, ...]
  per_channel[1] = channels;
  Axes axes{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) axes.push_back(d);

  Tensor mu, variance;
  if (training || !running_mean.defined()) {
    const std::int64_t count = channels == 0 ? 0 : x.numel() / channels;
    if (training && count <= 1)
      throw ValueError("batch_norm: expected more than 1 value per channel when training, got input of shape " +
                       shape_str(x.shape()));
    mu = mean(x, axes, true);
    variance = var(x, axes, true, 0);
    if (training && running_mean.defined()) {
      NoGradGuard no_grad;
      const double bessel = static_cast<double>(count) / static_cast<double>(count - 1);
      Tensor rm = running_mean, rv = running_var;
      rm.mul_(1.0 - momentum).add_(mu.detach().reshape({channels}), momentum);
      rv.mul_(1.0 - momentum).add_(variance.detach().reshape({channels}), momentum * bessel);
    }
  } else {
    mu = running_mean.reshape(per_channel);
    variance = running_var.reshape(per_channel);
  }
  Tensor y = (x - mu) * rsqrt(variance + eps);
  if (weight.defined()) y = y * weight.reshape(per_channel);
  if (bias.defined()) y = y + bias.reshape(per_channel);
  return y;
}

}  // namespace functional

BatchNorm::BatchNorm(std::string type, std::int64_t num_features, BatchNormOptions options,
                     std::vector<std::int64_t> ranks, std::string layout)
    : Module(std::move(type)), options_(std::move(options)), ranks_(std::move(ranks)), layout_(std::move(layout)) {
  if (!options_.name.empty()) set_name(options_.name);
  const std::string who = "layer '" + name() + "' (" + type_name() + ")";
  if (num_features == 0 || num_features < -1)
    throw ValueError(who + ": num_features must be positive (or -1 to infer it), got " + std::to_string(num_features));
  auto number = [](double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  };
  if (!(options_.eps > 0)) throw ValueError(who + ": eps must be positive, got " + number(options_.eps));
  if (options_.momentum && !(*options_.momentum >= 0 && *options_.momentum <= 1))
    throw ValueError(who + ": momentum must be in [0, 1], got " + number(*options_.momentum));
  if (!is_floating(options_.dtype)) throw DtypeError(who + ": dtype must be float32 or float64");
  if (num_features > 0) build(num_features);
}

void BatchNorm::build(std::int64_t num_features) {
  if (built()) throw ValueError("layer '" + name() + "' (" + type_name() + ") is already built");
  if (num_features <= 0)
    throw ShapeError("layer '" + name() + "' (" + type_name() + "): the channel axis must be non-empty, got " +
                     std::to_string(num_features) + " channels");
  num_features_ = num_features;
  const TensorOptions opts{.dtype = options_.dtype};
  if (options_.affine) {
    weight = register_parameter("weight", ones({num_features}, opts));
    bias = register_parameter("bias", zeros({num_features}, opts));
  }
  if (options_.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}, opts));
    running_var = register_buffer("running_var", ones({num_features}, opts));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = Dtype::Int64}));
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  if (std::find(ranks_.begin(), ranks_.end(), x.dim()) == ranks_.end()) {
    const bool images = std::find(ranks_.begin(), ranks_.end(), 4) != ranks_.end();
    throw_input_rejected(*this, x.shape(),
                         type_name() + " takes " + layout_ + ", got a rank-" + std::to_string(x.dim()) + " input" +
                             (images ? "; use BatchNorm1d for [N, C] or [N, C, L]" : "; use BatchNorm2d for images"));
  }
  if (!built()) {
    build(x.size(1));
    built_lazily_ = true;
  }
  if (x.size(1) != num_features_) {
    Shape expected(static_cast<std::size_t>(x.dim()), -1);
    expected[1] = num_features_;
    throw_input_mismatch(*this, expected, x.shape(),
                         "it normalizes " + std::to_string(num_features_) + " channels on axis 1" +
                             (built_lazily_ ? ", inferred from its first input"
                                            : " (num_features = " + std::to_string(num_features_) + ")"));
  }
  if (is_training() && x.numel() / num_features_ <= 1)
    throw ValueError("layer '" + name() + "' (" + type_name() +
                     "): expected more than 1 value per channel when training, got input of shape " +
                     shape_str(x.shape()));
  const bool update = is_training() && options_.track_running_stats;
  // Cumulative average (momentum nullopt): the n-th batch has weight 1 / n.
  const double factor = !update ? 0.0 : options_.momentum ? *options_.momentum : 1.0 / (num_batches_tracked.item() + 1);
  Tensor y = functional::batch_norm(x, running_mean, running_var, weight, bias, is_training(), factor, options_.eps);
  if (update) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(scalar_tensor(1, {.dtype = Dtype::Int64}));
  }
  return y;
}

std::string BatchNorm::describe() const {
  std::ostringstream os;
  os << type_name() << "(" << (built() ? std::to_string(num_features_) : std::string("?")) << ", eps=" << options_.eps
     << ", momentum=";
  if (options_.momentum) os << *options_.momentum;
  else os << "None";
  os << ", affine=" << (options_.affine ? "true" : "false")
     << ", track_running_stats=" << (options_.track_running_stats ? "true" : "false") << ")";
  return os.str();
}

BatchNorm1d::BatchNorm1d(std::int64_t num_features, BatchNormOptions options)
    : BatchNorm("BatchNorm1d", num_features, std::move(options), {2, 3}, "[N, C] or [N, C, L]") {}

BatchNorm2d::BatchNorm2d(std::int64_t num_features, BatchNormOptions options)
    : BatchNorm("BatchNorm2d", num_features, std::move(options), {4}, "[N, C, H, W]") {}

}  // namespace xg::nn
