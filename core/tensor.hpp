#pragma once
// xg::Tensor — a cheap, copyable handle to a TensorImpl (storage, shape, dtype and autograd
// metadata). Copies share the same data: `Tensor b = a;` aliases, `a.clone()` copies.
//
// Every tensor is row-major contiguous over its storage (a view such as reshape or a batch slice
// shares storage at an offset; transpose and permute produce new contiguous data). Kernels thus
// always run on flat buffers. Differentiable operations are free functions declared in
// autograd/ops/*.hpp (xg::exp, xg::matmul, operator+...); the member shorthands below call them.
#include <xgrad/core/dtype.hpp>
#include <xgrad/core/shape.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace xg {

class TensorImpl;
namespace autograd {
class Node;
class HookList;
}  // namespace autograd

/// Options accepted by every creation function: `xg::ones({3}, {.requires_grad = true})`.
struct TensorOptions {
  Dtype dtype = Dtype::Float32;
  bool requires_grad = false;
};

/// Options of Tensor::backward.
struct BackwardOptions {
  /// Keep the saved tensors so backward can run through the same graph again.
  bool retain_graph = false;
  /// Record the backward pass itself, so the gradients can be differentiated again.
  bool create_graph = false;
};

/// A gradient hook: receives the gradient flowing into a tensor and may return a replacement
/// (return an undefined Tensor to keep it unchanged).
using GradHook = std::function<class Tensor(const class Tensor&)>;

/// Returned by Tensor::register_hook; `remove()` unregisters the hook.
class HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<autograd::HookList> list, std::uint64_t id) : list_(std::move(list)), id_(id) {}
  void remove();

 private:
  std::weak_ptr<autograd::HookList> list_;
  std::uint64_t id_ = 0;
};

class Tensor {
 public:
  /// An undefined tensor (no data); `defined()` is false.
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  /// Size of dimension `dim` (negative counts from the end).
  std::int64_t size(std::int64_t dim) const;
  /// Number of dimensions (0 for a scalar).
  std::int64_t dim() const;
  std::int64_t numel() const;
  Dtype dtype() const;
  /// Row-major strides in elements (tensors are always contiguous).
  Shape strides() const;
  /// Optional name shown in graphs and error messages (parameters get their dotted names).
  const std::string& name() const;
  Tensor& set_name(std::string name);

  // ---- data -----------------------------------------------------------------------------------
  /// Typed pointer to the first element; throws DtypeError if T does not match dtype(). The
  /// mutable overloads (and every in-place update) bump version(); the const ones do not.
  template <class T> T* data();
  template <class T> const T* data() const;
  void* raw_data();
  const void* raw_data() const;
  /// The write counter of the storage (shared with views): it grows each time the data is handed
  /// out for writing. A copy derived from the values and tagged with the version it was made at is
  /// current while the version is unchanged. Writes through a pointer kept from an earlier mutable
  /// access are not seen: take the pointer again (or call mark_modified()) after writing.
  std::uint64_t version() const;
  /// Bumps version() after writing through a pointer obtained earlier.
  void mark_modified() const;
  /// The value of a one-element tensor as double; throws otherwise.
  double item() const;
  template <class T> T item() const { return static_cast<T>(item()); }
  /// Copies the elements into a vector (converting to T).
  template <class T> std::vector<T> to_vector() const;
  /// Converts the dtype (differentiable between float32 and float64). Same dtype returns *this.
  Tensor to(Dtype dtype) const;
  /// A differentiable copy with its own storage.
  Tensor clone() const;
  /// The same data without autograd history and with requires_grad false.
  Tensor detach() const;
  /// True if both handles point at the same TensorImpl.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  /// True if both tensors read the same storage.
  bool shares_storage(const Tensor& other) const;

  // ---- in-place updates (not recorded by autograd; used by optimizers and initializers) --------
  Tensor& zero_();
  Tensor& fill_(double value);
  /// Copies `src` (broadcast to this shape, converted to this dtype) into this tensor.
  Tensor& copy_(const Tensor& src);
  /// this += alpha * other (other broadcast to this shape).
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  /// this *= factor.
  Tensor& mul_(double factor);

  // ---- autograd -------------------------------------------------------------------------------
  bool requires_grad() const;
  /// Marks a leaf tensor as a trainable input; throws on a non-leaf or an int64 tensor.
  Tensor& requires_grad_(bool requires_grad = true);
  /// True for tensors not produced by a recorded operation.
  bool is_leaf() const;
  /// Accumulated gradient (undefined until a backward pass reaches this tensor).
  Tensor grad() const;
  /// Replaces the accumulated gradient (an undefined tensor clears it).
  void set_grad(const Tensor& grad);
  /// The graph node that produced this tensor (null for leaves).
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  /// Back-propagates from this tensor. `gradient` defaults to 1 for a one-element tensor.
  void backward(const Tensor& gradient = {}, BackwardOptions options = {}) const;
  /// Calls `hook` with the gradient of this tensor during every backward pass.
  HookHandle register_hook(GradHook hook) const;
  /// Makes a non-leaf tensor keep its gradient in grad() like a leaf.
  void retain_grad() const;

  // ---- differentiable shorthands (defined with the ops in autograd/ops) ----------------------------
  /// Sum over `axes` (all when empty); keepdims keeps reduced axes with size 1.
  Tensor sum(const std::vector<std::int64_t>& axes = {}, bool keepdims = false) const;
  Tensor mean(const std::vector<std::int64_t>& axes = {}, bool keepdims = false) const;
  Tensor max(const std::vector<std::int64_t>& axes = {}, bool keepdims = false) const;
  Tensor min(const std::vector<std::int64_t>& axes = {}, bool keepdims = false) const;
  /// Same data, new shape; one dimension may be -1 (inferred).
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor squeeze(const std::vector<std::int64_t>& axes = {}) const;
  Tensor unsqueeze(std::int64_t axis) const;
  /// Transpose of a 2-d tensor.
  Tensor t() const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor permute(const std::vector<std::int64_t>& order) const;
  /// Row `index` along the first axis (drops that axis); a view.
  Tensor operator[](std::int64_t index) const;

  // ---- implementation access ------------------------------------------------------------------
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  const TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

/// Prints like PyTorch: `tensor([[1., 2.], [3., 4.]], requires_grad=true)`.
std::ostream& operator<<(std::ostream& os, const Tensor& tensor);
/// The printed form as a string.
std::string to_string(const Tensor& tensor);

}  // namespace xg
