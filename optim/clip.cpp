// Gradient clipping. Norms are reduced over fixed chunks (parallel_chunks) whose partials are
// combined in chunk order, so the returned norm is identical at any thread count.
#include <xgrad/optim/clip.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/optim/detail/common.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace xg::optim {
namespace {

std::vector<Tensor> defined_grads(const std::vector<Tensor>& params) {
  std::vector<Tensor> grads;
  for (const auto& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

/// max(a, b) that propagates NaN (std::max drops a NaN in its second argument).
double nan_max(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::quiet_NaN() : std::max(a, b);
}

/// max |g| for p = inf, else sum |g|^p (the caller takes the root).
double norm_partial(const Tensor& grad, double p) {
  const bool inf = std::isinf(p);
  const std::int64_t n = grad.numel();
  std::vector<double> partial(static_cast<std::size_t>((n + detail::kUpdateGrain - 1) / detail::kUpdateGrain), 0.0);
  dispatch_float(grad.dtype(), "clip_grad_norm", [&]<class T>() {
    const T* g = grad.data<T>();
    parallel_chunks(n, detail::kUpdateGrain, [&](std::int64_t c, std::int64_t begin, std::int64_t end) {
      double acc = 0.0;
      for (std::int64_t i = begin; i < end; ++i) {
        const double a = std::abs(static_cast<double>(g[i]));
        acc = inf ? nan_max(acc, a) : p == 2.0 ? acc + a * a : p == 1.0 ? acc + a : acc + std::pow(a, p);
      }
      partial[static_cast<std::size_t>(c)] = acc;
    });
  });
  double total = 0.0;
  for (double v : partial) total = inf ? nan_max(total, v) : total + v;
  return total;
}

}  // namespace

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  detail::require_option(max_norm >= 0.0, "clip_grad_norm", "max_norm", max_norm, ">= 0");
  detail::require_option(norm_type > 0.0, "clip_grad_norm", "norm_type", norm_type, "> 0 or infinity");
  const auto grads = defined_grads(params);
  if (grads.empty()) return 0.0;
  const bool inf = std::isinf(norm_type);
  double total = 0.0;
  for (const auto& g : grads) {
    const double partial = norm_partial(g, norm_type);
    total = inf ? nan_max(total, partial) : total + partial;
  }
  if (!inf) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total))
    throw ValueError("clip_grad_norm: the total norm of order " + detail::format_number(norm_type) +
                     " of the gradients is " + detail::format_number(total) +
                     " (non-finite); error_if_nonfinite is set");
  const double coef = max_norm / (total + 1e-6);
  if (coef >= 1.0) return total;
  for (auto g : grads) {
    dispatch_float(g.dtype(), "clip_grad_norm", [&]<class T>() {
      T* data = g.data<T>();
      const T scale = T(coef);
      detail::for_each_chunk(g.numel(), [=](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) data[i] *= scale;
      });
    });
  }
  return total;
}

void clip_grad_value(const std::vector<Tensor>& params, double clip_value) {
  detail::require_option(clip_value >= 0.0, "clip_grad_value", "clip_value", clip_value, ">= 0");
  for (auto g : defined_grads(params)) {
    dispatch_float(g.dtype(), "clip_grad_value", [&]<class T>() {
      T* data = g.data<T>();
      const T hi = T(clip_value);
      detail::for_each_chunk(g.numel(), [=](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) data[i] = std::clamp(data[i], -hi, hi);
      });
    });
  }
}

}  // namespace xg::optim
