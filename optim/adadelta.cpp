// Adadelta update: one parallel pass over the parameter, gradient and both running averages.
#include <xgrad/optim/adadelta.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/optim/detail/common.hpp>

#include <cmath>

namespace xg::optim {

Adadelta::Adadelta(AdadeltaOptions options) : Adadelta(ParamList::unbound(), options) {}

Adadelta::Adadelta(ParamList params, AdadeltaOptions options)
    : Optimizer("Adadelta", std::move(params), options.lr), options_(options) {
  require_option(options.rho >= 0.0 && options.rho <= 1.0, "rho", options.rho, "0 <= rho <= 1");
  require_option(options.eps > 0.0, "eps", options.eps, "> 0");
  require_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
}

void Adadelta::update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const AdadeltaOptions& o = options_;
  increment_step(state);
  Tensor square_avg = state_tensor(state, "square_avg", param);
  Tensor acc_delta = state_tensor(state, "acc_delta", param);

  dispatch_float(param.dtype(), "Adadelta.step", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* s = square_avg.data<T>();
    T* u = acc_delta.data<T>();
    const T lr = T(group.lr), rho = T(o.rho), keep = T(1.0 - o.rho), eps = T(o.eps), decay = T(o.weight_decay);
    detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const T d = detail::with_weight_decay(g[i], p[i], decay);
        s[i] = rho * s[i] + keep * d * d;
        const T delta = std::sqrt(u[i] + eps) / std::sqrt(s[i] + eps) * d;
        u[i] = rho * u[i] + keep * delta * delta;
        p[i] -= lr * delta;
      }
    });
  });
}

}  // namespace xg::optim
