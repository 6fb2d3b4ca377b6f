#pragma once
// Keras' model.summary() table, drawn with box characters:
//   Model: "sequential_1"
//   ┏━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
//   ┃ Layer (type)         ┃ Output Shape    ┃   Param # ┃
//   ┡━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
//   │ dense_1 (Dense)      │ (None, 256)     │   200,960 │
//   └──────────────────────┴─────────────────┴───────────┘
//    Total params: 203,530 (795.04 KB)
// Output shapes are those of the last forward pass, with the batch axis shown as None
// ("?" before the first pass: call Model::build(input_shape) or run a batch).
#include <xgrad/nn/module.hpp>

#include <string>
#include <vector>

namespace xg::train {

std::string summary_table(const nn::Module& model, const std::vector<const nn::Module*>& rows);
/// "(None, 28, 28, 32)" from a shape whose first axis is the batch.
std::string keras_shape(const Shape& shape);
/// "1,234,567".
std::string with_thousands(std::int64_t n);
/// "795.04 KB".
std::string human_bytes(double bytes);

}  // namespace xg::train
