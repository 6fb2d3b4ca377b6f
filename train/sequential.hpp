#pragma once
// xg::Sequential — Keras' Sequential model: an nn::Sequential stack of layers that is also a
// train::Model (compile / fit / evaluate / predict / summary).
//
//   xg::Sequential model{xg::nn::Dense(256, {.activation = "relu", .kernel_initializer = "normal"}),
//                        xg::nn::Dense(10, {.activation = "softmax"})};
//   model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
//
// (nn::Sequential alone is the PyTorch-style container without the training API, since nn sits
// below optim and train in the layering.)
#include <xgrad/nn/sequential.hpp>
#include <xgrad/train/model.hpp>

namespace xg {

class Sequential : public nn::Sequential, public train::Model {
 public:
  using nn::Sequential::Sequential;
  Sequential() = default;

  nn::Module& network() override { return *this; }

 protected:
  std::vector<const nn::Module*> summary_rows() const override;
};

}  // namespace xg
