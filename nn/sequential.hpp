#pragma once
// Containers: Sequential (layers applied in order, nestable, Keras' add()) and ModuleList.
//
//   nn::Sequential model{nn::Dense(256, {.activation = "relu"}), nn::Dense(10, {.activation = "softmax"})};
//   model.add(nn::Dropout(0.2));
//   auto& first = model.at<nn::Dense>(0);
//
// Children are registered under their layer names ("dense_1"), so parameters are named
// "dense_1.weight". A single Sequential argument is a move, not nesting: nest with add().
#include <xgrad/nn/module.hpp>

#include <concepts>
#include <cstddef>
#include <memory>
#include <type_traits>

namespace xg::nn {

template <class M>
concept ModuleValue = std::derived_from<std::decay_t<M>, Module> && !std::is_lvalue_reference_v<M>;

class Sequential : public Module {
 public:
  Sequential();
  template <ModuleValue... M>
    requires(sizeof...(M) > 0 && !(sizeof...(M) == 1 && (std::is_same_v<std::decay_t<M>, Sequential> && ...)))
  Sequential(M&&... modules) : Sequential() {  // NOLINT: implicit for brace initialization
    (add(std::forward<M>(modules)), ...);
  }

  /// Appends a layer (moved in) and returns *this.
  template <ModuleValue M> Sequential& add(M&& module) {
    return add(std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }
  Sequential& add(std::shared_ptr<Module> module);

  /// Applies every layer in order. A LayerShapeError about the input of a layer also names the
  /// layer that produced it: "dense_2 (Dense) expects input of shape (None, 100) but got
  /// (None, 784) from flatten_1 (Flatten): ...".
  Tensor forward(const Tensor& x) override;

  std::size_t size() const { return layers_.size(); }
  bool empty() const { return layers_.empty(); }
  /// The i-th layer (negative counts from the end); throws IndexError when out of range.
  Module& operator[](std::int64_t index) const;
  std::shared_ptr<Module> layer(std::int64_t index) const;
  /// The i-th layer as type M; throws if it is not an M.
  template <class M> M& at(std::int64_t index) const {
    auto* p = dynamic_cast<M*>(&(*this)[index]);
    if (!p) throw_type_mismatch(index);
    return *p;
  }
  const std::vector<std::shared_ptr<Module>>& layers() const { return layers_; }

 private:
  [[noreturn]] void throw_type_mismatch(std::int64_t index) const;
  std::vector<std::shared_ptr<Module>> layers_;
};

/// An indexable list of modules registered as children "0", "1", ...; has no forward.
class ModuleList : public Module {
 public:
  ModuleList();
  template <ModuleValue M> ModuleList& push_back(M&& module) {
    return push_back(std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }
  ModuleList& push_back(std::shared_ptr<Module> module);
  std::size_t size() const { return items_.size(); }
  Module& operator[](std::int64_t index) const;
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> items_;
};

}  // namespace xg::nn
