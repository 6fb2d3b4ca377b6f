#pragma once
// Context: what a differentiable op keeps between its forward and its backward.
// Saved tensors, the op's own output (saved without a reference cycle), and small non-tensor
// values (ints, reals, shapes). Built-in ops and custom autograd::Function<T> share it.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace xg::autograd {

class Node;

class Context {
 public:
  /// Keeps `tensors` for backward, in order (retrieved with saved(i) / saved_tensors()).
  void save_for_backward(std::vector<Tensor> tensors);
  /// The saved tensors; throws AutogradError if the graph was already freed by a backward pass.
  std::vector<Tensor> saved_tensors() const;
  Tensor saved(std::size_t index) const;

  /// Keeps the op's output for backward. Only its data is stored (the node does not own its
  /// output); output() gives it back, with this node as grad_fn when recording (create_graph).
  void save_output();
  Tensor output() const;

  /// Whether input `index` needs a gradient (backward may skip computing the others).
  bool needs_input_grad(std::size_t index) const;
  const Shape& input_shape(std::size_t index) const;
  Dtype input_dtype(std::size_t index) const;

  /// Used by Function<T>: a saved tensor that is the op's own output is re-stored as the output
  /// (data only), which breaks the node -> output -> node cycle.
  void adopt_saved_output(const Tensor& output);

  /// Non-tensor values an op keeps for backward.
  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::vector<Shape> shapes;

 private:
  friend class FunctionNode;
  void check_not_released() const;
  Node* node_ = nullptr;
  std::vector<Tensor> saved_;
  std::int64_t output_slot_ = -1;  ///< index in saved_ that stands for output()
  std::shared_ptr<TensorImpl> output_data_;
  std::weak_ptr<TensorImpl> output_ref_;
  bool released_ = false;
};

}  // namespace xg::autograd
