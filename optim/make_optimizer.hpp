#pragma once
// Keras string names for optimizers: make_optimizer("adam") is what `optimizer="adam"` means in
// Keras' compile(). The optimizer is created without parameters (bind them with set_parameters())
// and with Keras' defaults ("adam" included: eps 1e-7), except AdamW's eps (PyTorch's 1e-8) and
// weight_decay (PyTorch's 1e-2); docs/optimizers.md has the table.
#include <xgrad/optim/optimizer.hpp>

#include <memory>
#include <string>
#include <vector>

namespace xg::optim {

/// "sgd" (lr 0.01), "adam", "adamw", "rmsprop", "adagrad" or "adadelta" (case-insensitive).
/// Throws ValueError listing the valid names for anything else.
std::shared_ptr<Optimizer> make_optimizer(const std::string& name);

/// The names make_optimizer accepts.
std::vector<std::string> optimizer_names();

}  // namespace xg::optim
