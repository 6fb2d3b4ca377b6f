#pragma once
// Internal row-wise softmax kernel: y[r, :] = exp(x[r, :] - max_r) / sum(exp(x[r, :] - max_r)) over
// the last axis of a contiguous float tensor, one pass per row (the composite form, exp of
// log_softmax, takes eight element-wise ops and as many temporaries).
#include <xgrad/core/tensor.hpp>

namespace xg::kernels {

/// Softmax over the last axis of a contiguous float32 / float64 tensor of rank >= 1. A row holding
/// a NaN, or +inf, gives NaN throughout (as the composite form does).
Tensor softmax_last_axis(const Tensor& x);

}  // namespace xg::kernels
