#pragma once
// Input checks shared by the 2-d spatial layers (Conv2d, MaxPool2d, AvgPool2d), each
// throwing a LayerShapeError that names the layer and prints the shape it expects in the layer's
// data_format:
//   spatial_nchw      the input must be 4-d; returns it as NCHW (permuted from NHWC for channels_last)
//   check_channels    axis C must hold the layer's channel count (with a hint when the input looks
//                     like the other data_format)
//   check_window_fits a kernel / pool window must fit in the (padded) image
#include <xgrad/core/tensor.hpp>
#include <xgrad/nn/layer_options.hpp>

#include <cstdint>
#include <string>

namespace xg::nn {

class Module;

/// How a layer's channel count came about, for the mismatch message.
enum class ChannelSource { Constructor, FirstInput };

/// The input as NCHW: `input` itself (channels_first) or its NHWC -> NCHW permutation. Throws
/// unless it is 4-d; the message shows `channels` (-1: unknown) on the format's channel axis.
Tensor spatial_nchw(const Module& layer, const Tensor& input, DataFormat format, std::int64_t channels);

/// Throws unless `nchw` (the NCHW view of `input`) has `channels` channels (the layer's
/// in_channels).
void check_channels(const Module& layer, const Tensor& input, const Tensor& nchw, DataFormat format,
                    std::int64_t channels, ChannelSource source);

/// The window of a spatial layer: "kernel" (Conv2d, option kernel_size) or "pool window" (pooling,
/// option pool_size), its size, dilation and padding.
struct Window {
  const char* what;
  const char* size_option;
  Size2 size;
  Size2 dilation;
  const Padding& padding;
};

/// Throws unless `window` fits in the image of `nchw` padded by `pads` (so the output is non-empty).
void check_window_fits(const Module& layer, const Tensor& input, const Tensor& nchw, const Window& window,
                       const Pads2d& pads);

}  // namespace xg::nn
