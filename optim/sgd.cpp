// SGD update: one parallel pass over the parameter, gradient and momentum buffers.
#include <xgrad/optim/sgd.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/optim/detail/common.hpp>

namespace xg::optim {

SGD::SGD(SGDOptions options) : SGD(ParamList::unbound(), options) {}

SGD::SGD(ParamList params, SGDOptions options)
    : Optimizer("SGD", std::move(params), options.lr), options_(options) {
  require_option(options.momentum >= 0.0, "momentum", options.momentum, ">= 0");
  require_option(options.dampening >= 0.0 && options.dampening <= 1.0, "dampening", options.dampening,
                 "0 <= dampening <= 1");
  require_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  if (options.nesterov)
    require_option(options.momentum > 0.0 && options.dampening == 0.0, "momentum", options.momentum,
                   "momentum > 0 and dampening == 0 with nesterov = true; dampening = " +
                       detail::format_number(options.dampening));
}

std::vector<std::string> SGD::state_keys() const {
  if (options_.momentum != 0.0) return {"momentum_buffer"};
  return {};
}

void SGD::update(Tensor& param, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const SGDOptions& o = options_;
  bool first = false;
  Tensor buffer = o.momentum != 0.0 ? state_tensor(state, "momentum_buffer", param, 0.0, &first) : Tensor();
  dispatch_float(param.dtype(), "SGD.step", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* b = buffer.defined() ? buffer.data<T>() : nullptr;
    const T lr = T(group.lr), decay = T(o.weight_decay), momentum = T(o.momentum), keep = T(1.0 - o.dampening);
    const bool nesterov = o.nesterov;
    detail::for_each_chunk(param.numel(), [=](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        T d = detail::with_weight_decay(g[i], p[i], decay);
        if (b != nullptr) {
          b[i] = first ? d : momentum * b[i] + keep * d;
          d = nesterov ? d + momentum * b[i] : b[i];
        }
        p[i] -= lr * d;
      }
    });
  });
}

}  // namespace xg::optim
