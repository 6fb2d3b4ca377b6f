#include <xgrad/nn/module.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/node.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/nn/layer_error.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <ostream>
#include <set>
#include <sstream>
#include <unordered_map>

namespace xg::nn {
namespace {

void check_name(const std::string& name, const std::string& owner, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError(owner + ": invalid " + what + " name '" + name + "' (must be non-empty and contain no '.')");
}

template <class List> bool contains(const List& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
}

}  // namespace

std::string snake_case(const std::string& type_name) {
  std::string out;
  for (std::size_t i = 0; i < type_name.size(); ++i) {
    const char c = type_name[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && !std::isupper(static_cast<unsigned char>(type_name[i - 1]))) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string Module::auto_name(const std::string& prefix) {
  static std::mutex mutex;
  static auto* counters = new std::unordered_map<std::string, int>;
  std::lock_guard lock(mutex);
  return prefix + "_" + std::to_string(++(*counters)[prefix]);
}

Module::Module(std::string type_name) : type_name_(std::move(type_name)), name_(auto_name(snake_case(type_name_))) {}
Module::~Module() = default;
Module::Module(Module&&) noexcept = default;
Module& Module::operator=(Module&&) noexcept = default;

Tensor Module::forward(const Tensor&) {
  throw ValueError("module '" + name_ + "' (" + type_name_ + ") does not implement forward(const Tensor&)");
}

Tensor Module::operator()(const Tensor& input) {
  autograd::ScopeGuard scope(name_);
  last_input_shape_ = input.shape();
  Tensor out;
  try {
    out = forward(input);
  } catch (const LayerShapeError&) {
    throw;  // already attributed to this layer or an inner one
  } catch (const ShapeError& e) {
    throw_input_rejected(*this, input.shape(), e.what());
  }
  last_output_shape_ = out.shape();
  return out;
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool trainable) {
  check_name(name, name_, "parameter");
  if (!tensor.defined()) throw ValueError(name_ + ": parameter '" + name + "' is undefined");
  if (contains(parameters_, name) || contains(buffers_, name) || contains(children_, name))
    throw ValueError(name_ + ": '" + name + "' is already registered");
  if (!tensor.is_leaf()) tensor = tensor.detach();
  tensor.requires_grad_(trainable);
  if (tensor.name().empty()) tensor.set_name(name);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_name(name, name_, "buffer");
  if (contains(parameters_, name) || contains(buffers_, name) || contains(children_, name))
    throw ValueError(name_ + ": '" + name + "' is already registered");
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, name_, "module");
  if (!module) throw ValueError(name_ + ": child module '" + name + "' is null");
  if (contains(parameters_, name) || contains(buffers_, name) || contains(children_, name))
    throw ValueError(name_ + ": '" + name + "' is already registered");
  children_.emplace_back(name, std::move(module));
}

void Module::collect_named(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix, bool recurse,
                           bool params) const {
  for (const auto& [n, t] : params ? parameters_ : buffers_)
    if (t.defined()) out.emplace_back(prefix + n, t);
  if (!recurse) return;
  for (const auto& [n, child] : children_) child->collect_named(out, prefix + n + ".", true, params);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_named(out, "", recurse, true);
  // A tensor shared by two modules is listed once (first name wins), as in PyTorch.
  std::set<const TensorImpl*> seen;
  std::erase_if(out, [&](const auto& e) { return !seen.insert(e.second.impl()).second; });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_named(out, "", recurse, false);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [n, c] : children_) out.push_back(c);
  return out;
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, c] : children_)
    if (n == name) return c;
  return nullptr;
}

StateDict Module::state_dict() const {
  StateDict dict;
  for (auto& [n, t] : named_parameters()) dict.emplace(n, t);
  for (auto& [n, t] : named_buffers()) dict.emplace(n, t);
  return dict;
}

void Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict own = state_dict();
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [n, t] : own) {
    auto it = dict.find(n);
    if (it == dict.end()) missing.push_back(n);
    else if (!it->second.defined() || it->second.shape() != t.shape())
      mismatched.push_back(n + ": expected " + shape_str(t.shape()) + ", got " +
                           (it->second.defined() ? shape_str(it->second.shape()) : std::string("undefined")));
  }
  for (const auto& [n, t] : dict)
    if (!own.count(n)) unexpected.push_back(n);
  if (!mismatched.empty() || (strict && (!missing.empty() || !unexpected.empty()))) {
    std::ostringstream msg;
    msg << "load_state_dict for '" << name_ << "' (" << type_name_ << ") failed:";
    auto list = [&](const char* title, const std::vector<std::string>& items) {
      if (items.empty()) return;
      msg << "\n  " << title << ":";
      for (const auto& i : items) msg << "\n    " << i;
    };
    list("missing keys", missing);
    list("unexpected keys", unexpected);
    list("shape mismatches", mismatched);
    throw ValueError(msg.str());
  }
  NoGradGuard no_grad;
  for (auto& [n, t] : own) {
    auto it = dict.find(n);
    if (it != dict.end()) t.copy_(it->second);
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.set_grad(Tensor());
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& [n, c] : children_) c->apply(fn);
}

ParameterCount Module::count_parameters() const {
  ParameterCount count;
  for (const auto& t : parameters()) (t.requires_grad() ? count.trainable : count.non_trainable) += t.numel();
  return count;
}

std::string Module::describe() const { return type_name_ + "()"; }

void Module::print(std::ostream& os, int indent) const {
  if (children_.empty()) {
    os << describe();
    return;
  }
  os << type_name_ << "(";
  for (const auto& [n, c] : children_) {
    os << "\n" << std::string(indent + 2, ' ') << "(" << n << "): ";
    c->print(os, indent + 2);
  }
  os << "\n" << std::string(indent, ' ') << ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) {
  module.print(os);
  return os;
}

}  // namespace xg::nn
