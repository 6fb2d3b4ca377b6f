// Spatial input checks: expected-shape patterns in the layer's data_format, and hints for the two
// most common causes (a flat or unbatched input, and NHWC data given to an NCHW layer or back).
#include <xgrad/nn/spatial_input.hpp>

#include <xgrad/nn/layer_error.hpp>
#include <xgrad/nn/module.hpp>

namespace xg::nn {
namespace {

// (None, C, None, None) or (None, None, None, C).
Shape pattern(DataFormat format, std::int64_t channels) {
  Shape dims(4, -1);
  dims[format == DataFormat::ChannelsFirst ? 1 : 3] = channels;
  return dims;
}

std::string layout(DataFormat format) {
  return format == DataFormat::ChannelsFirst ? "[N, C, H, W]" : "[N, H, W, C]";
}

std::string format_clause(DataFormat format) { return "(data_format " + data_format_name(format) + ")"; }

std::string rank_hint(std::int64_t rank, DataFormat format) {
  if (rank == 3)
    return std::string("; for one image add the batch axis (x.unsqueeze(0)), for a batch of single-channel images "
                       "the channel axis (x.unsqueeze(") +
           (format == DataFormat::ChannelsFirst ? "1" : "3") + "))";
  if (rank == 2) return "; a batch of flat vectors needs a Reshape layer first, e.g. nn::Reshape({1, 28, 28})";
  return "";
}

std::string pair_str(std::int64_t h, std::int64_t w) { return std::to_string(h) + "x" + std::to_string(w); }

}  // namespace

Tensor spatial_nchw(const Module& layer, const Tensor& input, DataFormat format, std::int64_t channels) {
  if (input.dim() != 4)
    throw_input_mismatch(layer, pattern(format, channels), input.shape(),
                         layer.type_name() + " takes a 4-d batch " + layout(format) + " " + format_clause(format) +
                             ", got a rank-" + std::to_string(input.dim()) + " input" + rank_hint(input.dim(), format));
  return format == DataFormat::ChannelsLast ? input.permute({0, 3, 1, 2}) : input;
}

void check_channels(const Module& layer, const Tensor& input, const Tensor& nchw, DataFormat format,
                    std::int64_t channels, ChannelSource source) {
  if (nchw.size(1) == channels) return;
  const bool first = format == DataFormat::ChannelsFirst;
  const std::string count = std::to_string(channels) + (channels == 1 ? " input channel" : " input channels");
  std::string detail = "it takes " + count + " on axis " + (first ? "1" : "3") + " (" +
                       (source == ChannelSource::FirstInput ? "inferred from its first input"
                                                            : "in_channels = " + std::to_string(channels)) +
                       ", data_format " + data_format_name(format) + ")";
  // NHWC data given to an NCHW layer (or back) shows the channel count on the other axis.
  const std::int64_t other_axis = first ? 3 : 1;
  if (input.dim() == 4 && input.size(other_axis) == channels)
    detail += "; the input looks " + std::string(first ? "channels_last [N, H, W, C]" : "channels_first [N, C, H, W]") +
              ": construct the layer with .data_format = \"" + (first ? "channels_last" : "channels_first") +
              "\" or permute the input";
  throw_input_mismatch(layer, pattern(format, channels), input.shape(), detail);
}

void check_window_fits(const Module& layer, const Tensor& input, const Tensor& nchw, const Window& window,
                       const Pads2d& pads) {
  const std::int64_t span_h = window.dilation.h * (window.size.h - 1) + 1;
  const std::int64_t span_w = window.dilation.w * (window.size.w - 1) + 1;
  const std::int64_t padded_h = nchw.size(2) + pads.top + pads.bottom;
  const std::int64_t padded_w = nchw.size(3) + pads.left + pads.right;
  if (span_h <= padded_h && span_w <= padded_w) return;
  const bool dilated = span_h != window.size.h || span_w != window.size.w;
  const bool padded = padded_h != nchw.size(2) || padded_w != nchw.size(3);
  throw_input_rejected(
      layer, input.shape(),
      "its " + pair_str(window.size.h, window.size.w) + " " + window.what +
          (dilated ? " (dilated to " + pair_str(span_h, span_w) + ")" : std::string()) + " does not fit in the " +
          pair_str(nchw.size(2), nchw.size(3)) + " image" +
          (padded ? " padded to " + pair_str(padded_h, padded_w) : std::string()) + " (padding " +
          window.padding.str() + "); use padding \"same\", a smaller " + window.size_option +
          ", or a larger input (check the layers before it: each 'valid' window and stride shrinks the image)");
}

}  // namespace xg::nn
