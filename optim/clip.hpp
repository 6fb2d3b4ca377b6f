#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (1.13). Both rewrite
// the gradients in place and skip parameters without a gradient.
#include <xgrad/core/tensor.hpp>

#include <vector>

namespace xg::optim {

/// Scales all gradients together so that their total norm is at most `max_norm`.
/// total = (sum_i ||g_i||_p^p)^(1/p) over the parameters' gradients (p = norm_type, > 0; infinity
/// gives the largest |g|). When total > max_norm every gradient is multiplied by
/// max_norm / (total + 1e-6). Returns total (0 when no parameter has a gradient); a NaN/Inf total
/// propagates into the gradients as in PyTorch unless `error_if_nonfinite` asks for a ValueError.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                      bool error_if_nonfinite = false);

/// Clamps every gradient element into [-clip_value, clip_value] (clip_value >= 0).
void clip_grad_value(const std::vector<Tensor>& params, double clip_value);

}  // namespace xg::optim
