#include <xgrad/autograd/node.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <atomic>

namespace xg::autograd {
namespace {
std::atomic<std::uint64_t> next_sequence_nr{0};
const std::shared_ptr<const std::string>& empty_scope() {
  static const auto* empty = new std::shared_ptr<const std::string>(std::make_shared<const std::string>());
  return *empty;
}
thread_local std::shared_ptr<const std::string> thread_scope;
}  // namespace

// ---- HookList ---------------------------------------------------------------------------------
std::uint64_t HookList::add(GradHook hook) {
  hooks_.emplace_back(next_id_, std::move(hook));
  return next_id_++;
}

void HookList::remove(std::uint64_t id) {
  std::erase_if(hooks_, [id](const auto& h) { return h.first == id; });
}

Tensor HookList::run(Tensor grad) const {
  for (const auto& [id, hook] : hooks_) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) {
      if (replaced.shape() != grad.shape())
        throw ShapeError("gradient hook returned shape " + shape_str(replaced.shape()) + ", expected " +
                         shape_str(grad.shape()));
      grad = std::move(replaced);
    }
  }
  return grad;
}

// ---- Node -------------------------------------------------------------------------------------
Node::Node()
    : sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)),
      scope_(thread_scope ? thread_scope : empty_scope()) {}

Node::~Node() {
  // Tear down uniquely owned descendants with an explicit stack instead of recursive destructors.
  std::vector<std::shared_ptr<Node>> stack;
  release_children(stack);
  while (!stack.empty()) {
    std::shared_ptr<Node> node = std::move(stack.back());
    stack.pop_back();
    if (node && node.use_count() == 1) node->release_children(stack);
  }
}

void Node::release_children(std::vector<std::shared_ptr<Node>>& out) {
  for (auto& e : next_edges_)
    if (e.node) out.push_back(std::move(e.node));
  next_edges_.clear();
}

const std::shared_ptr<HookList>& Node::hooks() {
  if (!hooks_) hooks_ = std::make_shared<HookList>();
  return hooks_;
}

void Node::set_inputs(const std::vector<Tensor>& inputs) {
  next_edges_.clear();
  input_info_.clear();
  next_edges_.reserve(inputs.size());
  input_info_.reserve(inputs.size());
  for (const auto& t : inputs) {
    next_edges_.push_back(gradient_edge(t));
    input_info_.push_back(t.defined() ? InputInfo{t.shape(), t.dtype()} : InputInfo{});
  }
}

void Node::set_output_info(const Tensor& output) {
  output_shape_ = output.shape();
  output_dtype_ = output.dtype();
}

// ---- AccumulateGrad ---------------------------------------------------------------------------
AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {
  set_output_info(Tensor(leaf_));
}

// Implemented in engine.cpp next to the rest of the gradient accumulation logic.

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn};
  if (!impl->requires_grad) return {};
  if (auto acc = impl->grad_accumulator.lock()) return {acc};
  auto acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
  impl->grad_accumulator = acc;
  return {acc};
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const Tensor& t) { return t.defined() && t.requires_grad(); });
}

// ---- ScopeGuard -------------------------------------------------------------------------------
ScopeGuard::ScopeGuard(const std::string& name) : previous_(thread_scope) {
  thread_scope = std::make_shared<const std::string>(previous_ && !previous_->empty() ? *previous_ + "." + name
                                                                                      : name);
}

ScopeGuard::~ScopeGuard() { thread_scope = previous_; }

const std::string& current_scope() { return thread_scope ? *thread_scope : *empty_scope(); }

}  // namespace xg::autograd
