#pragma once
// Internal kernel of dropout: the scaled keep-mask in one pass, drawn from the counter-based
// generator inline (no uniform tensor, no comparison tensor).
#include <xgrad/core/random.hpp>
#include <xgrad/core/tensor.hpp>

namespace xg::kernels {

/// mask[i] = 1 / (1 - rate) if u_i >= rate else 0, for a float `dtype`, where u_i is a 24-bit
/// uniform hashed from (the block's first 64-bit draw, i) with 32-bit arithmetic (vectorizes).
/// Only that first draw is used: one reserved counter per mask keeps masks independent.
Tensor dropout_mask(const Shape& shape, Dtype dtype, double rate, const GeneratorState& block);

}  // namespace xg::kernels
