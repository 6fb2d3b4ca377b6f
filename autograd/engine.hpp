#pragma once
// Entry points of the backward engine. See node.hpp for the graph model.
#include <xgrad/core/tensor.hpp>

#include <optional>
#include <vector>

namespace xg::autograd {

/// Accumulates d(sum_i <outputs[i], grad_outputs[i]>)/d(leaf) into every reachable leaf's grad().
/// A missing grad_output for a one-element output defaults to 1.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              BackwardOptions options = {});

struct GradOptions {
  /// Keep the graph for another pass; defaults to create_graph.
  std::optional<bool> retain_graph{};
  /// Record the gradient computation so it can be differentiated again.
  bool create_graph = false;
  /// Return an undefined tensor for an input the outputs do not depend on (else throw).
  bool allow_unused = false;
};

/// Gradients of the outputs with respect to `inputs`, returned instead of accumulated into grad():
/// result[j] = d(sum_i <outputs[i], grad_outputs[i]>)/d(inputs[j]). Leaves' grad() is untouched.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, GradOptions options = {});

}  // namespace xg::autograd
