// Fused activation kernels: one loop per activation with the switch hoisted out, written as plain
// selects and arithmetic so the compiler vectorizes them (tanh and the sigmoid's exp go through
// libm per element).
#include <xgrad/core/kernels/activation.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <cmath>
#include <string>

namespace xg::kernels {
namespace {

constexpr std::int64_t kGrain = 32768;

template <class T> T sigmoid(T v) {
  // Stable on both tails (the same expression as the standalone sigmoid op).
  if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}

template <class T>
void backward_range(Activation act, const T* __restrict g, const T* __restrict y, T* __restrict out, std::int64_t n) {
  switch (act) {
    case Activation::Relu:
      for (std::int64_t i = 0; i < n; ++i) out[i] = g[i] * (y[i] > T(0) ? T(1) : T(0));
      return;
    case Activation::Tanh:
      for (std::int64_t i = 0; i < n; ++i) out[i] = g[i] * (T(1) - y[i] * y[i]);
      return;
    case Activation::Sigmoid:
      for (std::int64_t i = 0; i < n; ++i) out[i] = g[i] * y[i] * (T(1) - y[i]);
      return;
    case Activation::Identity:
      for (std::int64_t i = 0; i < n; ++i) out[i] = g[i];
      return;
  }
}

}  // namespace

template <class T> void apply_activation(Activation act, T* __restrict y, std::int64_t n) {
  switch (act) {
    case Activation::Relu:
      for (std::int64_t i = 0; i < n; ++i) y[i] = y[i] > T(0) || y[i] != y[i] ? y[i] : T(0);
      return;
    case Activation::Tanh:
      for (std::int64_t i = 0; i < n; ++i) y[i] = std::tanh(y[i]);
      return;
    case Activation::Sigmoid:
      for (std::int64_t i = 0; i < n; ++i) y[i] = sigmoid(y[i]);
      return;
    case Activation::Identity: return;
  }
}
template void apply_activation<float>(Activation, float*, std::int64_t);
template void apply_activation<double>(Activation, double*, std::int64_t);

void activation_inplace(Activation act, Tensor& y) {
  if (act == Activation::Identity) return;
  dispatch_float(y.dtype(), activation_name(act), [&]<class T>() {
    T* p = y.data<T>();
    parallel_for(0, y.numel(), kGrain, [&](std::int64_t b, std::int64_t e) { apply_activation<T>(act, p + b, e - b); });
  });
}

Tensor activation_backward(Activation act, const Tensor& grad, const Tensor& output) {
  if (grad.shape() != output.shape() || grad.dtype() != output.dtype())
    throw ShapeError(std::string(activation_name(act)) + " backward: gradient " + shape_str(grad.shape()) + " (" +
                     std::string(dtype_name(grad.dtype())) + ") does not match the output " + shape_str(output.shape()) +
                     " (" + std::string(dtype_name(output.dtype())) + ")");
  Tensor out = empty_tensor(grad.shape(), grad.dtype());
  dispatch_float(grad.dtype(), activation_name(act), [&]<class T>() {
    const T* g = grad.data<T>();
    const T* y = output.data<T>();
    T* o = out.data<T>();
    parallel_for(0, grad.numel(), kGrain,
                 [&](std::int64_t b, std::int64_t e) { backward_range<T>(act, g + b, y + b, o + b, e - b); });
  });
  return out;
}

}  // namespace xg::kernels
