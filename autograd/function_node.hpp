#pragma once
// FunctionNode: the graph node of a recorded op, and track(), the one call every op makes to
// record itself.
//
//   Tensor exp(const Tensor& x) {
//     Tensor y = kernels::unary(kernels::UnaryOp::Exp, x);           // compute on raw data
//     if (auto* ctx = autograd::track("Exp", {x}, y, exp_backward)) ctx->save_output();
//     return y;
//   }
//   std::vector<Tensor> exp_backward(Context& ctx, const Tensor& g) { return {g * ctx.output()}; }
//
// Backward functions are plain functions written with differentiable ops, so running them while
// recording (create_graph) builds the graph of the gradient: higher-order derivatives for free.
#include <xgrad/autograd/context.hpp>
#include <xgrad/autograd/node.hpp>

#include <vector>

namespace xg::autograd {

/// Gradients of each input from the gradient of the output.
using BackwardFn = std::vector<Tensor> (*)(Context& ctx, const Tensor& grad_output);

class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, BackwardFn backward);

  std::vector<Tensor> apply(const Tensor& grad_output) override;
  std::string name() const override;
  std::vector<Tensor> saved_tensors() const override;
  void release_saved() override;
  bool released() const override { return ctx_.released_; }

  Context& context() { return ctx_; }
  /// Wires edges to `inputs` and makes this node the grad_fn of `output`.
  void attach(const std::vector<Tensor>& inputs, Tensor& output);

 protected:
  void release_children(std::vector<std::shared_ptr<Node>>& out) override;

 private:
  const char* name_;
  BackwardFn backward_;
  Context ctx_;
};

/// Records an op if grad mode is on and some input requires grad: creates its node, makes it the
/// grad_fn of `output`, and returns the node's context for saving; returns nullptr otherwise.
/// `name` must be a string literal (it is not copied). In anomaly mode, checks `output` for NaN/Inf;
/// the error names the op, the module it ran in, and any input that already held NaN/Inf.
Context* track(const char* name, const std::vector<Tensor>& inputs, Tensor& output, BackwardFn backward);

/// Receives op events on the thread that installed it, for profiling (viz/profile.hpp). While
/// none is installed, the cost is one thread-local load and branch per recorded op and per node
/// the engine runs.
class OpObserver {
 public:
  virtual ~OpObserver() = default;
  /// `node` was just attached to the output of its op (the op's forward has computed it).
  virtual void recorded(const Node& node) = 0;
  /// The engine is about to run, or has just run, `node`'s backward.
  virtual void backward_begin(const Node& node) = 0;
  virtual void backward_end(const Node& node) = 0;
};
/// Installs `observer` for the calling thread (nullptr removes it) and returns the previous one.
OpObserver* set_op_observer(OpObserver* observer);
/// The calling thread's observer, or nullptr.
OpObserver* op_observer();

/// Throws AnomalyError naming `op` if `t` holds a NaN or Inf: "anomaly detected: 'Log' produced
/// NaN in its forward output (1 of 2 values of shape [2], first at index [1]) in module
/// 'net.dense_1'". `what` says which value was checked, `scope` is the module path the op ran in
/// (by default the current one; "" for none) and `note`, when not empty, is appended after "; ".
void check_finite(const Tensor& t, const std::string& op, const std::string& what,
                  const std::string& scope = current_scope(), const std::string& note = "");

}  // namespace xg::autograd
