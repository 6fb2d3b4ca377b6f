// The backward engine.
//
// 1. Discover: an iterative DFS from the roots lists every reachable node in post-order.
// 2. Prune: a node runs only if some gradient sink lies below it (an AccumulateGrad for
//    backward(), a captured input for grad()).
// 3. Count: deps[n] = number of edges from running nodes into n.
// 4. Execute: a stack of ready nodes (all contributions summed). Each pops, runs its hooks and its
//    backward, hands one gradient per edge to its children, and frees its saved tensors unless
//    retain_graph. Nothing recurses, so graph depth is bounded only by memory.
// grad() records the gradient reaching each captured input after that tensor's hooks (for a leaf,
// the hooks its AccumulateGrad would have run). In anomaly mode a NaN/Inf produced while a node's
// backward runs is reported with that node's name.
#include <xgrad/autograd/engine.hpp>

#include <xgrad/autograd/function_node.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <string>
#include <string_view>
#include <unordered_map>

namespace xg::autograd {
namespace {

struct NodeState {
  int deps = 0;
  bool runs = false;       // executes its backward
  int capture = -1;        // index into grad() results, or -1
  Tensor grad;             // sum of incoming gradients
};

Tensor accumulate(const Tensor& sum, const Tensor& g) { return sum.defined() ? sum + g : g; }

// A leaf's hooks run inside its AccumulateGrad, which grad() does not execute: run them on the
// captured gradient, so grad() returns what backward() would accumulate (as for non-leaf hooks).
Tensor run_leaf_hooks(Node* node, Tensor grad) {
  auto* acc = dynamic_cast<AccumulateGrad*>(node);
  if (!acc || !grad.defined()) return grad;
  const auto& hooks = acc->leaf()->hooks;
  return hooks && !hooks->empty() ? hooks->run(std::move(grad)) : grad;
}

// "1st", "2nd", "3rd", "4th", ..., "11th", "21st".
std::string ordinal(std::size_t n) {
  const std::size_t tens = n % 100, ones = n % 10;
  const char* suffix = tens >= 11 && tens <= 13 ? "th" : ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

// "the forward op 'Log' was recorded in module 'dense_1'", or "" for a node recorded outside modules.
std::string recorded_where(const Node& node) {
  if (node.scope().empty()) return "";
  std::string op = node.name();
  if (op.ends_with("Backward")) op.resize(op.size() - std::string_view("Backward").size());
  return "the forward op '" + op + "' was recorded in module '" + node.scope() + "'";
}

// Anomaly mode: a NaN/Inf produced by an op inside the backward formula, or found in the
// gradients it returns, is reported with the name of the backward node and the module its
// forward op ran in.
std::vector<Tensor> apply_checked(Node& node, const Tensor& grad) {
  std::vector<Tensor> grads;
  const std::string where = recorded_where(node);
  try {
    grads = node.apply(grad);
  } catch (const AnomalyError& e) {
    std::string inner = e.what();
    const std::string prefix = "anomaly detected: ";
    if (inner.rfind(prefix, 0) == 0) inner.erase(0, prefix.size());
    throw AnomalyError("anomaly detected in the backward of '" + node.name() + "', inside its gradient formula: " +
                       inner + (where.empty() ? "" : "; " + where));
  }
  for (std::size_t i = 0; i < grads.size(); ++i)
    check_finite(grads[i], node.name(), ordinal(i + 1) + " output, the gradient for input " + std::to_string(i), "",
                 where);
  return grads;
}

class GraphTask {
 public:
  GraphTask(bool keep_graph, bool create_graph, bool capture_only)
      : keep_graph_(keep_graph), create_graph_(create_graph), capture_only_(capture_only) {}

  void add_capture(Node* node, int index) { states_[node].capture = index; }

  void run(const std::vector<Edge>& roots, const std::vector<Tensor>& root_grads, std::vector<Tensor>* captured) {
    AutoGradMode mode(create_graph_);
    discover_and_prune(roots);
    for (std::size_t i = 0; i < roots.size(); ++i) {
      NodeState& st = states_[roots[i].node.get()];
      st.grad = accumulate(st.grad, root_grads[i]);
    }
    std::vector<Node*> ready;
    for (const auto& r : roots) {
      NodeState& st = states_[r.node.get()];
      if (st.deps == 0) {
        ready.push_back(r.node.get());
        st.deps = -1;  // queued once even when it is several roots
      }
    }
    while (!ready.empty()) {
      Node* node = ready.back();
      ready.pop_back();
      NodeState& st = states_[node];
      Tensor grad = std::move(st.grad);
      if (grad.defined() && node->has_hooks()) grad = node->hooks()->run(grad);
      if (st.capture >= 0 && captured) (*captured)[st.capture] = st.runs ? grad : run_leaf_hooks(node, grad);
      std::vector<Tensor> child_grads;
      if (st.runs && grad.defined()) {
        OpObserver* observer = op_observer();
        if (observer) observer->backward_begin(*node);
        child_grads = AnomalyMode::is_enabled() ? apply_checked(*node, grad) : node->apply(grad);
        if (observer) observer->backward_end(*node);
        if (!keep_graph_) node->release_saved();
      }
      if (!st.runs) continue;
      const auto& edges = node->next_edges();
      for (std::size_t i = 0; i < edges.size(); ++i) {
        Node* child = edges[i].node.get();
        if (!child) continue;
        auto it = states_.find(child);
        if (it == states_.end() || !(it->second.runs || it->second.capture >= 0)) continue;
        NodeState& cs = it->second;
        if (i < child_grads.size() && child_grads[i].defined()) cs.grad = accumulate(cs.grad, child_grads[i]);
        if (--cs.deps == 0) ready.push_back(child);
      }
    }
  }

 private:
  bool needed(Node* n) {
    auto it = states_.find(n);
    return it != states_.end() && (it->second.runs || it->second.capture >= 0);
  }

  void discover_and_prune(const std::vector<Edge>& roots) {
    // Iterative post-order DFS: children are finished before their parents.
    std::vector<Node*> post_order;
    std::unordered_map<Node*, bool> visited;
    std::vector<std::pair<Node*, std::size_t>> stack;
    for (const auto& r : roots) {
      if (visited.emplace(r.node.get(), true).second) stack.emplace_back(r.node.get(), 0);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        const auto& edges = node->next_edges();
        if (next < edges.size()) {
          Node* child = edges[next++].node.get();
          if (child && visited.emplace(child, true).second) stack.emplace_back(child, 0);
          continue;
        }
        post_order.push_back(node);
        stack.pop_back();
      }
    }
    for (Node* n : post_order) {
      NodeState& st = states_[n];
      if (dynamic_cast<AccumulateGrad*>(n)) {
        st.runs = !capture_only_;
      } else {
        for (const auto& e : n->next_edges())
          if (e.node && needed(e.node.get())) st.runs = true;
      }
    }
    for (Node* n : post_order) {
      if (!states_[n].runs) continue;
      for (const auto& e : n->next_edges())
        if (e.node && needed(e.node.get())) ++states_[e.node.get()].deps;
    }
  }

  bool keep_graph_, create_graph_, capture_only_;
  std::unordered_map<Node*, NodeState> states_;
};

// Checks outputs/grad_outputs and returns the root edges and their seed gradients.
void prepare_roots(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                   std::vector<Edge>& roots, std::vector<Tensor>& seeds) {
  if (outputs.empty()) throw AutogradError("backward: no outputs given");
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw AutogradError("backward: " + std::to_string(outputs.size()) + " outputs but " +
                        std::to_string(grad_outputs.size()) + " grad_outputs");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    if (!out.defined()) throw AutogradError("backward: output " + std::to_string(i) + " is undefined");
    Edge edge = gradient_edge(out);
    if (!edge)
      throw AutogradError("backward: output " + std::to_string(i) +
                          " does not require grad and has no grad_fn (was it computed under NoGradGuard, "
                          "or from tensors without requires_grad?)");
    Tensor seed = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!seed.defined()) {
      if (out.numel() != 1)
        throw AutogradError("backward: grad can be implicitly created only for one-element outputs; output " +
                            std::to_string(i) + " has shape " + shape_str(out.shape()));
      seed = ones_like(out);
    } else if (seed.shape() != out.shape()) {
      throw ShapeError("backward: grad_output " + std::to_string(i) + " has shape " + shape_str(seed.shape()) +
                       ", expected the output's shape " + shape_str(out.shape()));
    } else if (seed.dtype() != out.dtype()) {
      seed = seed.to(out.dtype());  // gradients always have their tensor's dtype
    }
    roots.push_back(std::move(edge));
    seeds.push_back(std::move(seed));
  }
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, BackwardOptions options) {
  std::vector<Edge> roots;
  std::vector<Tensor> seeds;
  prepare_roots(outputs, grad_outputs, roots, seeds);
  GraphTask task(options.retain_graph || options.create_graph, options.create_graph, false);
  task.run(roots, seeds, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, GradOptions options) {
  std::vector<Edge> roots;
  std::vector<Tensor> seeds;
  prepare_roots(outputs, grad_outputs, roots, seeds);
  GraphTask task(options.retain_graph.value_or(options.create_graph), options.create_graph, true);
  std::vector<Edge> input_edges;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    if (!inputs[j].defined() || !inputs[j].requires_grad())
      throw AutogradError("grad: input " + std::to_string(j) + " does not require grad");
    input_edges.push_back(gradient_edge(inputs[j]));
    task.add_capture(input_edges.back().node.get(), static_cast<int>(j));
  }
  std::vector<Tensor> result(inputs.size());
  task.run(roots, seeds, &result);
  for (std::size_t j = 0; j < inputs.size(); ++j)
    if (!result[j].defined() && !options.allow_unused)
      throw AutogradError("grad: input " + std::to_string(j) +
                          " was not used to compute the outputs (pass {.allow_unused = true} to get an undefined "
                          "tensor instead)");
  return result;
}

// ---- leaf accumulation -------------------------------------------------------------------------
std::vector<Tensor> AccumulateGrad::apply(const Tensor& grad_output) {
  Tensor hooked = leaf_->hooks && !leaf_->hooks->empty() ? leaf_->hooks->run(grad_output) : Tensor();
  const Tensor& g = hooked.defined() ? hooked : grad_output;
  Tensor& acc = leaf_->grad;
  if (GradMode::is_enabled()) {
    // create_graph: keep the gradient's own history so it can be differentiated. The first
    // gradient is copied (clone is differentiable): the same tensor may flow to other leaves, and
    // a later first-order pass accumulates into grad() in place.
    acc = acc.defined() ? acc + g : g.clone();
  } else if (!acc.defined()) {
    // Steal the buffer only if nothing else can see it (gradients are often shared between edges).
    const bool exclusive = g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1;
    acc = exclusive ? g.detach() : g.detach().clone();
  } else {
    acc.add_(g);
  }
  return {};
}

}  // namespace xg::autograd

namespace xg {

void Tensor::backward(const Tensor& gradient, BackwardOptions options) const {
  autograd::backward({*this}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{}, options);
}

}  // namespace xg
