// Row-wise softmax: max, exponentials with their sum, then one scaling pass, rows in parallel.
#include <xgrad/core/kernels/softmax.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <cmath>
#include <limits>

namespace xg::kernels {
namespace {

constexpr std::int64_t kGrainElements = 16384;

template <class T> void softmax_row(const T* __restrict x, T* __restrict y, std::int64_t n) {
  T max = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (std::int64_t i = 0; i < n; ++i) {
    max = x[i] > max ? x[i] : max;
    nan |= x[i] != x[i];
  }
  if (nan) max = std::numeric_limits<T>::quiet_NaN();
  T sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max);
    sum += y[i];
  }
  const T scale = T(1) / sum;
  for (std::int64_t i = 0; i < n; ++i) y[i] *= scale;
}

}  // namespace

Tensor softmax_last_axis(const Tensor& x) {
  Tensor y = empty_tensor(x.shape(), x.dtype());
  const std::int64_t n = x.dim() == 0 ? 1 : x.shape().back(), rows = n == 0 ? 0 : x.numel() / n;
  dispatch_float(x.dtype(), "softmax", [&]<class T>() {
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    parallel_for(0, rows, std::max<std::int64_t>(1, kGrainElements / std::max<std::int64_t>(n, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
                   for (std::int64_t r = r0; r < r1; ++r) softmax_row(src + r * n, dst + r * n, n);
                 });
  });
  return y;
}

}  // namespace xg::kernels
