#pragma once
// Opt-in, header-only interop between xg::Tensor and xtensor. Include it only where you need it:
// it pulls in xtensor and xtensor-blas through core/xt.hpp, which costs seconds of compile time.
//
//   xt::xarray<double> a = {{1., 2.}, {3., 4.}};
//   xg::Tensor t = xg::from_xarray(a);                     // float64 tensor [2, 2] (source dtype)
//   xg::Tensor f = xg::from_xarray(a, {.dtype = xg::kFloat32, .requires_grad = true});
//   xt::xarray<float> back = xg::to_xarray<float>(t);      // converted copy
//
// Spelling: the design notes sketch `Tensor::from(xt::xarray)` and `t.to_xarray<float>()`; those
// would make xtensor types part of Tensor's public interface. The chosen spelling is the pair of
// free functions xg::from_xarray / xg::to_xarray<T> defined here, so core/tensor.hpp stays free of
// xtensor. Both always copy: an xg::Tensor never aliases xtensor-owned memory, and vice versa.
#include <xgrad/core/creation.hpp>
#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/core/xt.hpp>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace xg {
namespace interop_detail {

/// The dtype an xtensor element type maps to: double -> float64, other floating types -> float32,
/// integers and bool -> int64, anything else convertible to double -> float32.
template <class V> constexpr Dtype dtype_for() {
  using U = std::remove_cv_t<V>;
  if constexpr (std::is_same_v<U, double> || std::is_same_v<U, long double>) return Dtype::Float64;
  else if constexpr (std::is_integral_v<U>) return Dtype::Int64;
  else return Dtype::Float32;
}

/// A row-major xtensor adaptor over the elements of `shape` at `data` (does not own them).
template <class T> auto adapt(T* data, const Shape& shape) {
  const std::vector<std::size_t> xshape(shape.begin(), shape.end());
  return xt::adapt(data, static_cast<std::size_t>(shape_numel(shape)), xt::no_ownership(), xshape);
}

}  // namespace interop_detail

/// Copies an xtensor expression (container, view or lazy expression of any layout) into a new
/// row-major tensor of the same shape. Without options the dtype follows the element type
/// (float -> float32, double -> float64, integers -> int64, other arithmetic types -> float32).
/// Passing options converts to options.dtype — float32 unless set, like every creation function:
/// `from_xarray(a, {.dtype = xg::kFloat64, .requires_grad = true})` keeps a double array float64.
template <class E>
Tensor from_xarray(const xt::xexpression<E>& expression,
                   TensorOptions options = {.dtype = interop_detail::dtype_for<typename E::value_type>()}) {
  const E& x = expression.derived_cast();
  const Shape shape(x.shape().begin(), x.shape().end());
  Tensor out = empty(shape, {.dtype = options.dtype});
  dispatch_all(options.dtype, [&]<class T>() {
    auto dst = interop_detail::adapt(out.data<T>(), shape);
    dst = xt::cast<T>(x);
  });
  if (options.requires_grad) out.requires_grad_(true);
  return out;
}

/// Copies a tensor into a new xt::xarray<T> of the same shape, converting each element to T.
template <class T> xt::xarray<T> to_xarray(const Tensor& tensor) {
  const Shape& shape = tensor.shape();
  xt::xarray<T> out = xt::xarray<T>::from_shape(std::vector<std::size_t>(shape.begin(), shape.end()));
  dispatch_all(tensor.dtype(), [&]<class S>() {
    const S* src = tensor.data<S>();
    T* dst = out.data();
    for (std::int64_t i = 0; i < tensor.numel(); ++i) dst[i] = static_cast<T>(src[i]);
  });
  return out;
}

}  // namespace xg
