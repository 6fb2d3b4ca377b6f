// Conv2d: option checks at construction, lazy build, layout handling around xg::conv2d.
#include <xgrad/nn/conv.hpp>

#include <xgrad/autograd/ops/conv.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/spatial_input.hpp>

namespace xg::nn {
namespace {

void require_positive(const Module& m, const char* field, Size2 s) {
  if (s.h < 1 || s.w < 1)
    throw ValueError("layer '" + m.name() + "' (" + m.type_name() + "): " + field + " must be positive, got " +
                     s.str());
}

}  // namespace

Conv2d::Conv2d(std::int64_t filters, Conv2dOptions options)
    : Module("Conv2d"),
      filters_(filters),
      options_(std::move(options)),
      format_(parse_data_format(options_.data_format, "Conv2d")),
      activation_(activation(options_.activation)) {
  if (!options_.name.empty()) set_name(options_.name);
  if (filters <= 0)
    throw ValueError("layer '" + name() + "' (Conv2d): filters must be positive, got " + std::to_string(filters));
  require_positive(*this, "kernel_size", options_.kernel_size);
  require_positive(*this, "stride", options_.stride);
  require_positive(*this, "dilation", options_.dilation);
  if (options_.activation.empty()) options_.activation = "linear";
  if (options_.in_channels >= 0) build(options_.in_channels);
}

void Conv2d::build(std::int64_t in_channels) {
  if (in_channels <= 0)
    throw ShapeError("layer '" + name() + "' (Conv2d): input channels must be positive, got " +
                     std::to_string(in_channels));
  in_channels_ = in_channels;
  const Size2 k = options_.kernel_size;
  weight = register_parameter("weight", options_.kernel_initializer.make({filters_, in_channels, k.h, k.w}));
  if (options_.use_bias) bias = register_parameter("bias", options_.bias_initializer.make({filters_}));
}

Tensor Conv2d::forward(const Tensor& input) {
  const Tensor x = spatial_nchw(*this, input, format_, in_channels_);
  if (!built()) {
    build(x.size(1));
    channel_source_ = ChannelSource::FirstInput;
  }
  check_channels(*this, input, x, format_, in_channels_, channel_source_);
  const Pads2d pads =
      options_.padding.resolve(x.size(2), x.size(3), options_.kernel_size, options_.stride, options_.dilation);
  const Window window{"kernel", "kernel_size", options_.kernel_size, options_.dilation, options_.padding};
  check_window_fits(*this, input, x, window, pads);
  const Conv2dParams params{.stride = options_.stride.pair(), .padding = pads, .dilation = options_.dilation.pair()};
  const auto fused = fusable_activation(options_.activation);
  Tensor y = fused ? conv2d(x, weight, bias, params, *fused) : activation_(conv2d(x, weight, bias, params));
  return format_ == DataFormat::ChannelsLast ? y.permute({0, 2, 3, 1}) : y;
}

std::string Conv2d::describe() const {
  const Conv2dOptions& o = options_;
  return "Conv2d(filters=" + std::to_string(filters_) + ", kernel_size=" + o.kernel_size.str() +
         ", stride=" + o.stride.str() + ", padding=" + o.padding.str() + ", dilation=" + o.dilation.str() +
         ", in_channels=" + (in_channels_ < 0 ? std::string("?") : std::to_string(in_channels_)) +
         ", activation=" + o.activation + ", use_bias=" + (o.use_bias ? "true" : "false") +
         ", data_format=" + data_format_name(format_) + ")";
}

}  // namespace xg::nn
