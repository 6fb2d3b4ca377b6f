#pragma once
// The autograd graph
// ==================
// Every recorded operation creates one Node: the backward function of that op. A Node has exactly
// one output (the tensor the op produced, whose grad_fn points at the node) and one Edge per input.
// An Edge points at the Node that produced that input, at the AccumulateGrad node of a leaf that
// requires grad, or nowhere (the input needs no gradient).
//
//   x (leaf) ──► AccumulateGrad(x) ◄── Edge ── MulBackward ◄── grad_fn ── y = x * w
//   w (leaf) ──► AccumulateGrad(w) ◄── Edge ──┘
//
// Ownership runs one way, from outputs back to inputs: a tensor owns its grad_fn, a node owns the
// nodes on its edges and the tensors it saved for backward. A node never owns its output (it saves
// the output's data without grad_fn, see Context::save_output), so the graph has no cycles and
// lives exactly as long as the tensors that reach it. There is no global tape.
//
// Deep graphs: destroying a node releases its children iteratively (Node::~Node moves the edges of
// uniquely-owned children onto an explicit stack), so a 100,000-op chain neither overflows the
// stack on destruction nor in backward (engine.cpp walks the graph with explicit stacks too).
//
// The engine (engine.hpp) counts, for each node reachable from the root, how many edges lead into
// it; a node runs once all its gradient contributions have been summed, and hands one gradient per
// edge to its children. Gradients of broadcast inputs are summed back to the input's shape in one
// place (FunctionNode::apply), so op backward formulas may return the broadcast shape.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xg::autograd {

class Node;

/// Where the gradient of one input goes: the node that produced the input (or its leaf
/// accumulator). A null node means the input needs no gradient.
struct Edge {
  std::shared_ptr<Node> node;
  explicit operator bool() const { return node != nullptr; }
};

/// Shape and dtype of an input, kept so gradients can be checked and reduced to them.
struct InputInfo {
  Shape shape;
  Dtype dtype = Dtype::Float32;
};

/// Gradient hooks of one tensor, in registration order.
class HookList {
 public:
  std::uint64_t add(GradHook hook);
  void remove(std::uint64_t id);
  bool empty() const { return hooks_.empty(); }
  /// Runs each hook on the gradient; a hook returning a defined tensor replaces it.
  Tensor run(Tensor grad) const;

 private:
  std::vector<std::pair<std::uint64_t, GradHook>> hooks_;
  std::uint64_t next_id_ = 1;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Gradients for each input edge (undefined where none flows) given the output's gradient.
  virtual std::vector<Tensor> apply(const Tensor& grad_output) = 0;
  /// Display name, e.g. "MulBackward".
  virtual std::string name() const = 0;
  /// Tensors saved for backward (for graph drawing and memory accounting).
  virtual std::vector<Tensor> saved_tensors() const { return {}; }
  /// Frees saved tensors after a backward pass without retain_graph.
  virtual void release_saved() {}
  /// True once release_saved() ran; apply() then throws.
  virtual bool released() const { return false; }

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const std::vector<InputInfo>& input_info() const { return input_info_; }
  /// Creation order: later nodes have larger numbers.
  std::uint64_t sequence_nr() const { return sequence_nr_; }
  /// Shape and dtype of the output this node differentiates.
  const Shape& output_shape() const { return output_shape_; }
  Dtype output_dtype() const { return output_dtype_; }
  /// Module path active when the node was recorded ("" outside modules), see ScopeGuard.
  const std::string& scope() const { return *scope_; }
  /// Hooks on the gradient of the output (tensor hooks of a non-leaf).
  const std::shared_ptr<HookList>& hooks();
  bool has_hooks() const { return hooks_ && !hooks_->empty(); }

  /// Sets edges and input metadata from the inputs of the recorded op.
  void set_inputs(const std::vector<Tensor>& inputs);
  void set_output_info(const Tensor& output);

 protected:
  std::vector<Edge> next_edges_;
  std::vector<InputInfo> input_info_;
  /// Moves out every node this node owns (edges and grad_fns of uniquely owned saved tensors).
  virtual void release_children(std::vector<std::shared_ptr<Node>>& out);

 private:
  std::uint64_t sequence_nr_;
  Shape output_shape_;
  Dtype output_dtype_ = Dtype::Float32;
  std::shared_ptr<const std::string> scope_;
  std::shared_ptr<HookList> hooks_;
};

/// The gradient sink of a leaf tensor: adds incoming gradients into tensor.grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  std::vector<Tensor> apply(const Tensor& grad_output) override;
  std::string name() const override { return "AccumulateGrad"; }
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

/// The edge a gradient of `t` should follow: its grad_fn, its leaf accumulator, or none.
Edge gradient_edge(const Tensor& t);

/// True if recording is on and some input requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);

/// The module path nodes created now record ("" outside modules), see ScopeGuard.
const std::string& current_scope();

/// Names the module scope recorded into nodes created while the guard lives; nested guards join
/// with '.': ScopeGuard a("encoder"); ScopeGuard b("dense_1"); -> "encoder.dense_1".
class ScopeGuard {
 public:
  explicit ScopeGuard(const std::string& name);
  ~ScopeGuard();
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  std::shared_ptr<const std::string> previous_;
};

}  // namespace xg::autograd
