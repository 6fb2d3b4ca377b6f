// Adagrad update: the decayed step size once per parameter, then one parallel pass over the
// parameter, gradient and accumulator.
#include <xgrad/optim/adagrad.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/optim/detail/common.hpp>

#include <cmath>

namespace xg::optim {

Adagrad::Adagrad(AdagradOptions options) : Adagrad(ParamList::unbound(), options) {}

Adagrad::Adagrad(ParamList params, AdagradOptions options)
    : Optimizer("Adagrad", std::move(params), options.lr), options_(options) {
  require_option(options.lr_decay >= 0.0, "lr_decay", options.lr_decay, ">= 0");
  require_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  require_option(options.initial_accumulator_value >= 0.0, "initial_accumulator_value",
                 options.initial_accumulator_value, ">= 0");
  require_option(options.eps > 0.0, "eps", options.eps, "> 0");
}

void Adagrad::update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const AdagradOptions& o = options_;
  const double step = increment_step(state);
  Tensor sum = state_tensor(state, "sum", param, o.initial_accumulator_value);
  const double step_size = group.lr / (1.0 + (step - 1.0) * o.lr_decay);

  dispatch_float(param.dtype(), "Adagrad.step", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* s = sum.data<T>();
    const T lr = T(step_size), decay = T(o.weight_decay), eps = T(o.eps);
    detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const T d = detail::with_weight_decay(g[i], p[i], decay);
        s[i] += d * d;
        p[i] -= lr * d / (std::sqrt(s[i]) + eps);
      }
    });
  });
}

}  // namespace xg::optim
