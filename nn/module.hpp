#pragma once
// nn::Module — the base of every layer and model. A plain class (no holder/Impl layer) with a
// named registry of parameters, buffers and child modules:
//
//   struct Net : xg::nn::Module {
//     Net() : Module("Net") {
//       fc1 = register_module("fc1", std::make_shared<xg::nn::Linear>(784, 128));
//       scale = register_parameter("scale", xg::ones({1}));
//     }
//     xg::Tensor forward(const xg::Tensor& x) override { return fc1->forward(x) * scale; }
//     std::shared_ptr<xg::nn::Linear> fc1;
//     xg::Tensor scale;
//   };
//
// Parameters are named with dots through the tree ("fc1.weight"). operator() runs forward inside
// the module's name scope (autograd nodes record it, graphs group by it), remembers the input and
// output shapes (summary, plot_model) and turns a ShapeError raised inside into a LayerShapeError
// naming the layer and its input shape (nn/layer_error.hpp).
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xg::nn {

/// Named tensors of a module tree: parameters then buffers, dotted names.
using StateDict = std::map<std::string, Tensor>;

/// Trainable and frozen parameter counts (elements).
struct ParameterCount {
  std::int64_t trainable = 0;
  std::int64_t non_trainable = 0;
  std::int64_t total() const { return trainable + non_trainable; }
};

class Module {
 public:
  /// `type_name` is the class name shown in printing and summaries ("Dense", "Conv2d").
  explicit Module(std::string type_name = "Module");
  virtual ~Module();
  Module(Module&&) noexcept;
  Module& operator=(Module&&) noexcept;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The computation of a single-input module. Modules with other signatures add their own
  /// methods; calling this base version throws.
  virtual Tensor forward(const Tensor& input);
  /// forward() with name scoping, shape bookkeeping and error context: a ShapeError thrown inside
  /// becomes a LayerShapeError "dense_1 (Dense) cannot take input of shape (None, 5): ...".
  Tensor operator()(const Tensor& input);

  // ---- registry ---------------------------------------------------------------------------------
  /// Adds a parameter (marked requires_grad unless `trainable` is false) and returns its handle.
  Tensor register_parameter(const std::string& name, Tensor tensor, bool trainable = true);
  /// Adds a buffer: state saved in state_dict but not trained (e.g. BatchNorm running statistics).
  Tensor register_buffer(const std::string& name, Tensor tensor);
  /// Adds a child module and returns it.
  template <class M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  /// Parameters of this module and (recurse) its descendants, in registration order.
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  /// Looks up a direct child by name (nullptr when absent).
  std::shared_ptr<Module> child(const std::string& name) const;

  /// Parameters and buffers by dotted name.
  StateDict state_dict() const;
  /// Copies values from `dict` into this module's tensors (in place, so optimizers keep working).
  /// strict: every key must match exactly; the error lists missing and unexpected keys and every
  /// shape mismatch.
  void load_state_dict(const StateDict& dict, bool strict = true);

  // ---- modes and utilities ----------------------------------------------------------------------
  /// Training mode (Dropout active, BatchNorm uses batch statistics), recursive.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Clears every parameter's gradient (sets it undefined).
  void zero_grad();
  /// Calls fn on this module and every descendant (pre-order).
  void apply(const std::function<void(Module&)>& fn);
  ParameterCount count_parameters() const;

  /// Layer name ("dense_1"); unique per type within the process unless set explicitly.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::string& type_name() const { return type_name_; }

  /// Shapes seen by the last operator() call (empty before the first call).
  const Shape& last_input_shape() const { return last_input_shape_; }
  const Shape& last_output_shape() const { return last_output_shape_; }

  /// One-line description used in printing: "Dense(units=10, activation=softmax)".
  virtual std::string describe() const;
  /// The module tree, PyTorch style.
  void print(std::ostream& os, int indent = 0) const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  /// Next automatic name for a layer type: "dense" -> "dense_1", "dense_2", ...
  static std::string auto_name(const std::string& prefix);

 private:
  void collect_named(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix, bool recurse,
                     bool params) const;

  std::string type_name_;
  std::string name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  Shape last_input_shape_, last_output_shape_;
};

std::ostream& operator<<(std::ostream& os, const Module& module);

/// snake_case of a CamelCase type name: "MaxPool2d" -> "max_pool2d".
std::string snake_case(const std::string& type_name);

}  // namespace xg::nn
