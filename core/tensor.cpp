// Tensor handle: metadata, data access, in-place updates and leaf autograd state.
// backward/hooks live in autograd/engine.cpp and autograd/hooks.cpp; the differentiable
// shorthands (sum, reshape, ...) live with their ops in autograd/ops.
#include <xgrad/core/tensor.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/elementwise.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <utility>

namespace xg {

Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

const TensorImpl& Tensor::checked() const {
  if (!impl_) throw ValueError("operation on an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }
std::int64_t Tensor::size(std::int64_t d) const {
  if (dim() == 0) throw IndexError("size(" + std::to_string(d) + "): a 0-d tensor has no dimensions");
  return shape()[normalize_axis(d, dim(), "size")];
}
std::int64_t Tensor::dim() const { return static_cast<std::int64_t>(shape().size()); }
std::int64_t Tensor::numel() const { return checked().numel; }
Dtype Tensor::dtype() const { return checked().dtype; }
Shape Tensor::strides() const { return contiguous_strides(shape()); }
const std::string& Tensor::name() const { return checked().name; }
Tensor& Tensor::set_name(std::string name) {
  checked();
  impl_->name = std::move(name);
  return *this;
}

template <class T> const T* Tensor::data() const {
  const auto& s = checked();
  if (s.dtype != dtype_of<T>)
    throw DtypeError("data<" + std::string(dtype_name(dtype_of<T>)) + ">() on a " +
                     std::string(dtype_name(s.dtype)) + " tensor");
  return s.data_as<T>();
}
template <class T> T* Tensor::data() {
  T* p = const_cast<T*>(std::as_const(*this).data<T>());
  impl_->storage->bump_version();
  return p;
}
void* Tensor::raw_data() {
  void* p = checked().data();
  impl_->storage->bump_version();
  return p;
}
const void* Tensor::raw_data() const { return checked().data(); }
std::uint64_t Tensor::version() const { return checked().storage->version(); }
void Tensor::mark_modified() const { checked().storage->bump_version(); }

double Tensor::item() const {
  const auto& s = checked();
  if (s.numel != 1)
    throw ValueError("item(): the tensor has " + std::to_string(s.numel) + " elements (shape " +
                     shape_str(s.shape) + "), expected exactly one");
  return dispatch_all(s.dtype, [&]<class T>() { return static_cast<double>(*s.data_as<T>()); });
}

template <class T> std::vector<T> Tensor::to_vector() const {
  const auto& s = checked();
  std::vector<T> out(static_cast<std::size_t>(s.numel));
  dispatch_all(s.dtype, [&]<class S>() {
    const S* p = s.data_as<S>();
    for (std::int64_t i = 0; i < s.numel; ++i) out[i] = static_cast<T>(p[i]);
  });
  return out;
}

Tensor Tensor::detach() const {
  const auto& s = checked();
  auto impl = std::make_shared<TensorImpl>(s.storage, s.offset, s.shape, s.dtype);
  impl->name = s.name;
  return Tensor(std::move(impl));
}

bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && impl_->storage == other.impl_->storage;
}

namespace {
void check_inplace(const TensorImpl& s, const char* op) {
  if (s.requires_grad && s.grad_fn == nullptr && autograd::GradMode::is_enabled())
    throw AutogradError(std::string(op) +
                        ": a leaf tensor that requires grad is modified in place while grad mode is on "
                        "(wrap the update in xg::NoGradGuard)");
}
}  // namespace

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::fill_(double value) {
  check_inplace(checked(), "fill_");
  kernels::fill(*this, value);
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(checked(), "copy_");
  kernels::copy_broadcast(*this, src);
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(checked(), "add_");
  kernels::axpy_broadcast(*this, other, alpha);
  return *this;
}

Tensor& Tensor::mul_(double factor) {
  check_inplace(checked(), "mul_");
  kernels::scale_inplace(*this, factor);
  return *this;
}

bool Tensor::requires_grad() const { return checked().requires_grad; }

Tensor& Tensor::requires_grad_(bool requires_grad) {
  const auto& s = checked();
  if (s.grad_fn && !requires_grad)
    throw AutogradError("requires_grad_(false) on a non-leaf tensor; use detach() instead");
  if (requires_grad && !is_floating(s.dtype))
    throw DtypeError("only float tensors can require gradients, this one is " + std::string(dtype_name(s.dtype)));
  impl_->requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked().grad; }

void Tensor::set_grad(const Tensor& grad) {
  const auto& s = checked();
  if (grad.defined() && (grad.shape() != s.shape || grad.dtype() != s.dtype))
    throw ShapeError("set_grad: gradient of shape " + shape_str(grad.shape()) + " " +
                     std::string(dtype_name(grad.dtype())) + " for a tensor of shape " + shape_str(s.shape) +
                     " " + std::string(dtype_name(s.dtype)));
  impl_->grad = grad;
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const { return checked().grad_fn; }

#define XG_INSTANTIATE(T)                                  \
  template T* Tensor::data<T>();                           \
  template const T* Tensor::data<T>() const;               \
  template std::vector<T> Tensor::to_vector<T>() const;
XG_INSTANTIATE(float)
XG_INSTANTIATE(double)
XG_INSTANTIATE(std::int64_t)
#undef XG_INSTANTIATE

}  // namespace xg
