#include <xgrad/autograd/function_node.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/copy.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/elementwise.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

namespace xg::autograd {

// ---- Context ----------------------------------------------------------------------------------
void Context::check_not_released() const {
  if (released_)
    throw AutogradError(
        "Trying to backward through the graph of '" + (node_ ? node_->name() : std::string("?")) +
        "' a second time (or to read its saved tensors after they were freed). Saved values are freed "
        "when backward() runs; pass {.retain_graph = true} to the first backward to keep them.");
}

void Context::save_for_backward(std::vector<Tensor> tensors) { saved_ = std::move(tensors); }

std::vector<Tensor> Context::saved_tensors() const {
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < saved_.size(); ++i) out.push_back(saved(i));
  return out;
}

Tensor Context::saved(std::size_t index) const {
  check_not_released();
  if (index >= saved_.size())
    throw IndexError("saved tensor " + std::to_string(index) + " requested, only " + std::to_string(saved_.size()) +
                     " were saved");
  if (static_cast<std::int64_t>(index) == output_slot_) return output();
  return saved_[index];
}

void Context::adopt_saved_output(const Tensor& output) {
  for (std::size_t i = 0; i < saved_.size(); ++i)
    if (saved_[i].defined() && saved_[i].is_same(output)) {
      save_output();
      saved_[i] = Tensor();
      output_slot_ = static_cast<std::int64_t>(i);
    }
}

void Context::save_output() {
  auto output = output_ref_.lock();
  if (!output) throw AutogradError("save_output() called before the output was attached");
  output_data_ = Tensor(output).detach().impl_ptr();
}

Tensor Context::output() const {
  check_not_released();
  if (!output_data_) throw AutogradError("the output of '" + node_->name() + "' was not saved for backward");
  const TensorImpl& s = *output_data_;
  auto impl = std::make_shared<TensorImpl>(s.storage, s.offset, s.shape, s.dtype);
  if (GradMode::is_enabled()) {
    impl->grad_fn = node_->shared_from_this();
    impl->requires_grad = true;
  }
  return Tensor(std::move(impl));
}

bool Context::needs_input_grad(std::size_t index) const {
  return index < node_->next_edges().size() && static_cast<bool>(node_->next_edges()[index]);
}
const Shape& Context::input_shape(std::size_t index) const { return node_->input_info().at(index).shape; }
Dtype Context::input_dtype(std::size_t index) const { return node_->input_info().at(index).dtype; }

// ---- FunctionNode -----------------------------------------------------------------------------
namespace {
// True if `input` broadcasts to `grad` (NumPy rules), so sum_to(grad, input) is defined.
bool reducible_to(const Shape& grad, const Shape& input) {
  if (input.size() > grad.size()) return false;
  const std::size_t lead = grad.size() - input.size();
  for (std::size_t i = 0; i < input.size(); ++i)
    if (input[i] != 1 && input[i] != grad[lead + i]) return false;
  return true;
}
}  // namespace

FunctionNode::FunctionNode(const char* name, BackwardFn backward) : name_(name), backward_(backward) {
  ctx_.node_ = this;
}

std::string FunctionNode::name() const { return std::string(name_) + "Backward"; }

std::vector<Tensor> FunctionNode::saved_tensors() const {
  std::vector<Tensor> out = ctx_.saved_;
  if (ctx_.output_data_) out.emplace_back(ctx_.output_data_);
  return out;
}

void FunctionNode::release_saved() {
  ctx_.saved_.clear();
  ctx_.output_data_.reset();
  ctx_.released_ = true;
}

void FunctionNode::release_children(std::vector<std::shared_ptr<Node>>& out) {
  Node::release_children(out);
  for (auto& t : ctx_.saved_) {
    const auto& impl = t.impl_ptr();
    if (impl && impl.use_count() == 1 && impl->grad_fn) out.push_back(std::move(impl->grad_fn));
  }
  ctx_.saved_.clear();
}

void FunctionNode::attach(const std::vector<Tensor>& inputs, Tensor& output) {
  set_inputs(inputs);
  set_output_info(output);
  TensorImpl* out = output.impl();
  out->grad_fn = shared_from_this();
  out->requires_grad = true;
  // A weak reference: the node must not own its output (see node.hpp).
  ctx_.output_ref_ = output.impl_ptr();
  if (OpObserver* observer = op_observer()) observer->recorded(*this);
}

std::vector<Tensor> FunctionNode::apply(const Tensor& grad_output) {
  ctx_.check_not_released();
  std::vector<Tensor> grads = backward_(ctx_, grad_output);
  if (grads.size() != next_edges_.size())
    throw AutogradError(name() + " returned " + std::to_string(grads.size()) + " gradients, expected " +
                        std::to_string(next_edges_.size()) + " (one per input)");
  for (std::size_t i = 0; i < grads.size(); ++i) {
    Tensor& g = grads[i];
    if (!next_edges_[i] || !g.defined()) {
      g = Tensor();
      continue;
    }
    const InputInfo& info = input_info_[i];
    // Broadcasting in forward means summing in backward: the one place where that happens.
    if (g.shape() != info.shape) {
      if (!reducible_to(g.shape(), info.shape))
        throw ShapeError(name() + " returned a gradient of shape " + shape_str(g.shape()) + " for input " +
                         std::to_string(i) + " of shape " + shape_str(info.shape) +
                         " (expected the input's shape or a broadcast of it)");
      g = sum_to(g, info.shape);
    }
    if (g.dtype() != info.dtype) g = g.to(info.dtype);
  }
  return grads;
}

// ---- profiling hook ---------------------------------------------------------------------------
namespace {
thread_local OpObserver* current_observer = nullptr;
}  // namespace

OpObserver* set_op_observer(OpObserver* observer) { return std::exchange(current_observer, observer); }
OpObserver* op_observer() { return current_observer; }

// ---- anomaly checks ---------------------------------------------------------------------------
namespace {

// "[1, 0]": the position of flat element `flat` in `shape`.
std::string index_str(std::int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return shape_str(index);
}

// The NaN / Inf content of a tensor (only computed on the error path: a copy to doubles is fine).
struct NonFinite {
  std::int64_t nans = 0, infs = 0, first = -1, total = 0;
  explicit NonFinite(const Tensor& t) {
    const std::vector<double> values = t.to_vector<double>();
    total = static_cast<std::int64_t>(values.size());
    for (std::int64_t i = 0; i < total; ++i) {
      const bool nan = std::isnan(values[i]), inf = std::isinf(values[i]);
      nans += nan;
      infs += inf;
      if ((nan || inf) && first < 0) first = i;
    }
  }
  std::string kind() const { return nans && infs ? "NaN and Inf" : nans ? "NaN" : "Inf"; }
};

// "NaN in its <what> (1 of 2 values of shape [2], first at index [1])".
std::string nonfinite_report(const Tensor& t, const std::string& what) {
  const NonFinite n(t);
  const std::string count = n.nans && n.infs
                                ? std::to_string(n.nans) + " NaN and " + std::to_string(n.infs) + " Inf among"
                                : std::to_string(n.nans + n.infs) + " of";
  if (n.total == 1) return n.kind() + " in its " + what + " (its one value, shape " + shape_str(t.shape()) + ")";
  return n.kind() + " in its " + what + " (" + count + " " + std::to_string(n.total) + " values of shape " +
         shape_str(t.shape()) + ", first at index " + index_str(n.first, t.shape()) + ")";
}

bool finite(const Tensor& t) { return !t.defined() || !is_floating(t.dtype()) || kernels::all_finite(t); }

// "input 1 ('weight', a leaf)".
std::string input_label(const std::vector<Tensor>& inputs, std::size_t i) {
  const Tensor& x = inputs[i];
  std::string label = "input " + std::to_string(i);
  if (x.is_leaf()) label += x.name().empty() ? " (a leaf)" : " ('" + x.name() + "', a leaf)";
  return label;
}

// Magnitudes beyond which an op's non-finite output is most likely an overflow of its inputs.
constexpr double kHuge = 1e15;

// Why an op whose output is not finite got there, when its inputs tell: one already held NaN/Inf
// (the op only passed it on), or one holds huge values (the op overflowed).
std::string bad_input_note(const std::vector<Tensor>& inputs) {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!finite(inputs[i]))
      return "its " + input_label(inputs, i) + " already held " + NonFinite(inputs[i]).kind() +
             ", so the values came from outside the checked ops: check the input data and the parameters (did a "
             "training step diverge?)";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !is_floating(inputs[i].dtype())) continue;
    double largest = 0.0;
    for (const double v : inputs[i].to_vector<double>()) largest = std::max(largest, std::abs(v));
    if (largest > kHuge) {
      std::ostringstream os;
      os << "its " << input_label(inputs, i) << " holds values up to " << largest
         << " in magnitude: an overflow (did a training step diverge? try a smaller learning rate)";
      return os.str();
    }
  }
  return "";
}

}  // namespace

void check_finite(const Tensor& t, const std::string& op, const std::string& what, const std::string& scope,
                  const std::string& note) {
  if (finite(t)) return;
  throw AnomalyError("anomaly detected: '" + op + "' produced " + nonfinite_report(t, what) +
                     (scope.empty() ? "" : " in module '" + scope + "'") + (note.empty() ? "" : "; " + note));
}

// ---- track ------------------------------------------------------------------------------------
Context* track(const char* name, const std::vector<Tensor>& inputs, Tensor& output, BackwardFn backward) {
  if (AnomalyMode::is_enabled() && !finite(output))
    check_finite(output, name, "forward output", current_scope(), bad_input_note(inputs));
  if (!any_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<FunctionNode>(name, backward);
  node->attach(inputs, output);
  return &node->context();  // kept alive by output.grad_fn
}

}  // namespace xg::autograd
