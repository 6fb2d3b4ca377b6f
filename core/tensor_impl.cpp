#include <xgrad/core/tensor_impl.hpp>

#include <xgrad/core/error.hpp>

namespace xg {

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage_, std::int64_t offset_, Shape shape_, Dtype dtype_)
    : storage(std::move(storage_)), offset(offset_), shape(std::move(shape_)), numel(shape_numel(shape)),
      dtype(dtype_) {}

std::shared_ptr<TensorImpl> TensorImpl::empty(const Shape& shape, Dtype dtype) {
  for (auto d : shape)
    if (d < 0) throw ShapeError("cannot create a tensor of shape " + shape_str(shape) + ": negative dimension");
  const std::int64_t n = shape_numel(shape);
  auto storage = std::make_shared<Storage>(static_cast<std::size_t>(n) * element_size(dtype));
  return std::make_shared<TensorImpl>(std::move(storage), 0, shape, dtype);
}

Tensor empty_tensor(const Shape& shape, Dtype dtype) { return Tensor(TensorImpl::empty(shape, dtype)); }

Tensor alias_with_shape(const Tensor& src, const Shape& shape) {
  const TensorImpl& s = *src.impl();
  if (shape_numel(shape) != s.numel)
    throw ShapeError("cannot view a tensor of shape " + shape_str(s.shape) + " as " + shape_str(shape));
  return Tensor(std::make_shared<TensorImpl>(s.storage, s.offset, shape, s.dtype));
}

}  // namespace xg
