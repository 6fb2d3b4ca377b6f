// RMSprop update: one parallel pass over the parameter, gradient and running-average buffers.
#include <xgrad/optim/rmsprop.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/optim/detail/common.hpp>

#include <cmath>

namespace xg::optim {

RMSprop::RMSprop(RMSpropOptions options) : RMSprop(ParamList::unbound(), options) {}

RMSprop::RMSprop(ParamList params, RMSpropOptions options)
    : Optimizer("RMSprop", std::move(params), options.lr), options_(options) {
  require_option(options.alpha >= 0.0 && options.alpha <= 1.0, "alpha", options.alpha, "0 <= alpha <= 1");
  require_option(options.eps > 0.0, "eps", options.eps, "> 0");
  require_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  require_option(options.momentum >= 0.0, "momentum", options.momentum, ">= 0");
}

std::vector<std::string> RMSprop::state_keys() const {
  std::vector<std::string> keys = {"step", "square_avg"};
  if (options_.centered) keys.emplace_back("grad_avg");
  if (options_.momentum > 0.0) keys.emplace_back("momentum_buffer");
  return keys;
}

namespace {

// Neither centered nor with momentum (Keras' default): restrict pointers and register constants,
// so the loop vectorizes; the same arithmetic as the general loop.
template <class T>
void plain_rmsprop_range(T* __restrict p, const T* __restrict g, T* __restrict s, std::int64_t n, const T lr,
                         const T alpha, const T keep, const T eps, const T decay) {
  for (std::int64_t i = 0; i < n; ++i) {
    const T d = detail::with_weight_decay(g[i], p[i], decay);
    const T si = alpha * s[i] + keep * d * d;
    s[i] = si;
    p[i] -= lr * d / (std::sqrt(si) + eps);
  }
}

}  // namespace

void RMSprop::update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const RMSpropOptions& o = options_;
  increment_step(state);
  Tensor square_avg = state_tensor(state, "square_avg", param);
  Tensor grad_avg = o.centered ? state_tensor(state, "grad_avg", param) : Tensor();
  Tensor buffer = o.momentum > 0.0 ? state_tensor(state, "momentum_buffer", param) : Tensor();

  dispatch_float(param.dtype(), "RMSprop.step", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* s = square_avg.data<T>();
    T* a = grad_avg.defined() ? grad_avg.data<T>() : nullptr;
    T* b = buffer.defined() ? buffer.data<T>() : nullptr;
    const T lr = T(group.lr), alpha = T(o.alpha), keep = T(1.0 - o.alpha), eps = T(o.eps);
    const T decay = T(o.weight_decay), momentum = T(o.momentum);
    if (a == nullptr && b == nullptr) {
      detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
        plain_rmsprop_range<T>(p + begin, g + begin, s + begin, end - begin, lr, alpha, keep, eps, decay);
      });
      return;
    }
    detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const T d = detail::with_weight_decay(g[i], p[i], decay);
        s[i] = alpha * s[i] + keep * d * d;
        T r;
        if (a != nullptr) {
          a[i] = alpha * a[i] + keep * d;
          r = std::sqrt(s[i] - a[i] * a[i]) + eps;
        } else {
          r = std::sqrt(s[i]) + eps;
        }
        if (b != nullptr) {
          b[i] = momentum * b[i] + d / r;
          p[i] -= lr * b[i];
        } else {
          p[i] -= lr * d / r;
        }
      }
    });
  });
}

}  // namespace xg::optim
