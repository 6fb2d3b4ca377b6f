#pragma once
// TensorImpl: what a Tensor handle points at. Data lives in a shared Storage at an element offset
// (views share storage); shape and dtype describe it; the autograd fields say how the tensor was
// made (grad_fn, null for leaves) and hold its accumulated gradient.
#include <xgrad/core/storage.hpp>
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace xg {

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, std::int64_t offset, Shape shape, Dtype dtype);

  /// Allocates uninitialized contiguous storage for `shape`.
  static std::shared_ptr<TensorImpl> empty(const Shape& shape, Dtype dtype);

  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  ///< in elements
  Shape shape;
  std::int64_t numel = 1;
  Dtype dtype = Dtype::Float32;

  // autograd metadata
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;
  std::weak_ptr<autograd::Node> grad_accumulator;  ///< created on demand for leaves
  std::shared_ptr<autograd::HookList> hooks;       ///< gradient hooks of a leaf
  std::string name;

  void* data() const {
    return static_cast<char*>(storage->data()) + offset * static_cast<std::int64_t>(element_size(dtype));
  }
  template <class T> T* data_as() const { return static_cast<T*>(data()); }
};

/// A new tensor handle over fresh uninitialized storage.
Tensor empty_tensor(const Shape& shape, Dtype dtype);
/// A handle aliasing `src`'s storage with another shape (same numel) and no autograd history.
Tensor alias_with_shape(const Tensor& src, const Shape& shape);

}  // namespace xg
