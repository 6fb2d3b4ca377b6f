// Adam / AdamW update: bias corrections computed once per parameter, then one parallel pass over
// the parameter, gradient and moment buffers.
#include <xgrad/optim/adam.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/optim/detail/common.hpp>

#include <algorithm>
#include <cmath>

namespace xg::optim {
namespace {
AdamOptions as_adam(const AdamWOptions& o) { return {o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad}; }
}  // namespace

Adam::Adam(AdamOptions options) : Adam(ParamList::unbound(), options) {}
Adam::Adam(ParamList params, AdamOptions options) : Adam("Adam", std::move(params), options, false) {}

Adam::Adam(std::string name, ParamList params, AdamOptions options, bool decoupled)
    : Optimizer(std::move(name), std::move(params), options.lr), options_(options), decoupled_(decoupled) {
  require_option(options.betas[0] >= 0.0 && options.betas[0] < 1.0, "betas[0]", options.betas[0], "0 <= beta < 1");
  require_option(options.betas[1] >= 0.0 && options.betas[1] < 1.0, "betas[1]", options.betas[1], "0 <= beta < 1");
  require_option(options.eps > 0.0, "eps", options.eps, "> 0");
  require_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
}

std::vector<std::string> Adam::state_keys() const {
  if (options_.amsgrad) return {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"step", "exp_avg", "exp_avg_sq"};
}

namespace {

template <class T> struct AdamScalars {
  T beta1, beta2, keep1, keep2, lr_step, c2, eps, l2, shrink;
};

// The update without amsgrad, on restrict pointers with every constant in a register, so it
// vectorizes (shrink is 1 unless weight decay is decoupled; p * 1 is exact).
template <class T>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, std::int64_t n,
                const AdamScalars<T> c) {
  for (std::int64_t i = 0; i < n; ++i) {
    const T d = detail::with_weight_decay(g[i], p[i], c.l2);
    const T pi = p[i] * c.shrink;
    const T mi = c.beta1 * m[i] + c.keep1 * d;
    const T vi = c.beta2 * v[i] + c.keep2 * d * d;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - c.lr_step * mi / (std::sqrt(vi) / c.c2 + c.eps);
  }
}

}  // namespace

void Adam::update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const AdamOptions& o = options_;
  const double step = increment_step(state);
  Tensor exp_avg = state_tensor(state, "exp_avg", param);
  Tensor exp_avg_sq = state_tensor(state, "exp_avg_sq", param);
  Tensor max_exp_avg_sq = o.amsgrad ? state_tensor(state, "max_exp_avg_sq", param) : Tensor();
  const double step_size = group.lr / (1.0 - std::pow(o.betas[0], step));
  const double correction2_sqrt = std::sqrt(1.0 - std::pow(o.betas[1], step));

  dispatch_float(param.dtype(), "Adam.step", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = exp_avg.data<T>();
    T* v = exp_avg_sq.data<T>();
    T* v_max = o.amsgrad ? max_exp_avg_sq.data<T>() : nullptr;
    const T beta1 = T(o.betas[0]), beta2 = T(o.betas[1]), eps = T(o.eps), lr_step = T(step_size);
    const T keep1 = T(1.0 - o.betas[0]), keep2 = T(1.0 - o.betas[1]);
    const T c2 = T(correction2_sqrt);
    const T l2 = decoupled_ ? T(0) : T(o.weight_decay);
    const T shrink = T(1.0 - group.lr * o.weight_decay);
    const bool decoupled = decoupled_;
    if (v_max == nullptr) {
      const AdamScalars<T> c{beta1, beta2, keep1, keep2, lr_step, c2, eps, l2, decoupled ? shrink : T(1)};
      detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
        adam_range<T>(p + begin, g + begin, m + begin, v + begin, end - begin, c);
      });
      return;
    }
    detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const T d = detail::with_weight_decay(g[i], p[i], l2);
        if (decoupled) p[i] *= shrink;
        m[i] = beta1 * m[i] + keep1 * d;
        v[i] = beta2 * v[i] + keep2 * d * d;
        const T second = v_max[i] = std::max(v_max[i], v[i]);
        p[i] -= lr_step * m[i] / (std::sqrt(second) / c2 + eps);
      }
    });
  });
}

AdamW::AdamW(AdamWOptions options) : AdamW(ParamList::unbound(), options) {}
AdamW::AdamW(ParamList params, AdamWOptions options)
    : Adam("AdamW", std::move(params), as_adam(options), true) {}

}  // namespace xg::optim
