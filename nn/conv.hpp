#pragma once
// Conv2d: Keras' Conv2D options (filters, kernel_size, strides, padding 'valid'/'same', dilation,
// activation and initializers by name, lazy input channels) over xg::conv2d, with PyTorch's
// weight layout [filters, in_channels, kh, kw]:
//   nn::Conv2d(32, {.kernel_size = 5, .padding = "same", .activation = "relu", .name = "conv1"})
// Input and output are NCHW by default; data_format = "channels_last" takes and returns NHWC
// (Keras-shaped models), permuting around the NCHW kernel.
#include <xgrad/nn/activations.hpp>
#include <xgrad/nn/init.hpp>
#include <xgrad/nn/layer_options.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/nn/spatial_input.hpp>

#include <cstdint>
#include <string>

namespace xg::nn {

struct Conv2dOptions {
  /// Input channels; -1 infers them from the first input (then the weights are created).
  std::int64_t in_channels = -1;
  Size2 kernel_size = 3;
  Size2 stride = 1;
  /// "valid" (default), "same", or explicit zero padding (an int or {ph, pw}).
  Padding padding = "valid";
  Size2 dilation = 1;
  bool use_bias = true;
  /// Keras activation name ("relu", ...); "" or "linear" for none.
  std::string activation;
  init::Initializer kernel_initializer = "glorot_uniform";
  init::Initializer bias_initializer = "zeros";
  /// "channels_first" (NCHW) or "channels_last" (NHWC).
  std::string data_format = "channels_first";
  /// Layer name; "" gives an automatic one ("conv2d_1").
  std::string name;
};

/// y = activation(conv2d(x, weight) + bias): [N, C, H, W] -> [N, filters, OH, OW] (NHWC in and
/// out with channels_last). Parameters "weight" [filters, C, kh, kw] and "bias" [filters].
class Conv2d : public Module {
 public:
  explicit Conv2d(std::int64_t filters, Conv2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;

  /// Creates weight and bias for `in_channels` inputs (the first forward does it when lazy).
  void build(std::int64_t in_channels);
  bool built() const { return weight.defined(); }
  std::int64_t filters() const { return filters_; }
  std::int64_t in_channels() const { return in_channels_; }
  const Conv2dOptions& options() const { return options_; }
  DataFormat data_format() const { return format_; }

  Tensor weight;
  Tensor bias;

 private:
  std::int64_t filters_;
  std::int64_t in_channels_ = -1;
  ChannelSource channel_source_ = ChannelSource::Constructor;
  Conv2dOptions options_;
  DataFormat format_;
  ActivationFn activation_;
};

}  // namespace xg::nn
