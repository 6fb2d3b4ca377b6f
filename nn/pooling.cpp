// Pooling layers: option checks at construction, layout handling and padding resolution in
// Pool2d::forward, the op itself in each subclass.
#include <xgrad/nn/pooling.hpp>

#include <xgrad/autograd/ops/pool.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/spatial_input.hpp>

namespace xg::nn {

Pool2d::Pool2d(std::string type, Size2 pool_size, PoolOptions options)
    : Module(std::move(type)),
      pool_size_(pool_size),
      stride_(options.stride.value_or(pool_size)),
      padding_(options.padding),
      format_(parse_data_format(options.data_format, type_name())) {
  if (!options.name.empty()) set_name(options.name);
  const std::string who = "layer '" + name() + "' (" + type_name() + "): ";
  if (pool_size_.h < 1 || pool_size_.w < 1)
    throw ValueError(who + "pool_size must be positive, got " + pool_size_.str());
  if (stride_.h < 1 || stride_.w < 1) throw ValueError(who + "stride must be positive, got " + stride_.str());
  if (padding_.mode == Padding::Mode::Explicit && (padding_.h >= pool_size_.h || padding_.w >= pool_size_.w))
    throw ValueError(who + "padding " + padding_.str() + " must be smaller than pool_size " + pool_size_.str());
}

Tensor Pool2d::forward(const Tensor& input) {
  const Tensor x = spatial_nchw(*this, input, format_, -1);
  const Pads2d pads = padding_.resolve(x.size(2), x.size(3), pool_size_, stride_);
  check_window_fits(*this, input, x, {"pool window", "pool_size", pool_size_, 1, padding_}, pads);
  Tensor y = pool(x, pads);
  return format_ == DataFormat::ChannelsLast ? y.permute({0, 2, 3, 1}) : y;
}

std::string Pool2d::describe() const {
  return type_name() + "(pool_size=" + pool_size_.str() + ", stride=" + stride_.str() + ", padding=" +
         padding_.str() + ", data_format=" + data_format_name(format_) + ")";
}

MaxPool2d::MaxPool2d(Size2 pool_size, PoolOptions options) : Pool2d("MaxPool2d", pool_size, std::move(options)) {}

Tensor MaxPool2d::pool(const Tensor& x, Pads2d pads) const {
  return max_pool2d(x, pool_size().pair(), stride().pair(), pads);
}

AvgPool2d::AvgPool2d(Size2 pool_size, PoolOptions options) : Pool2d("AvgPool2d", pool_size, std::move(options)) {}

Tensor AvgPool2d::pool(const Tensor& x, Pads2d pads) const {
  return avg_pool2d(x, pool_size().pair(), stride().pair(), pads, padding().mode == Padding::Mode::Explicit);
}

}  // namespace xg::nn
