// Tensor gradient hooks and retain_grad. A leaf keeps its hooks in its TensorImpl (run by its
// AccumulateGrad); a non-leaf's hooks live on its grad_fn and run when its gradient is complete.
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/node.hpp>
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/tensor_impl.hpp>

namespace xg {

void HookHandle::remove() {
  if (auto list = list_.lock()) list->remove(id_);
  list_.reset();
}

HookHandle Tensor::register_hook(GradHook hook) const {
  if (!requires_grad())
    throw AutogradError("register_hook: the tensor does not require grad, no gradient will reach it");
  TensorImpl* impl = this->impl();
  std::shared_ptr<autograd::HookList> list;
  if (impl->grad_fn) {
    list = impl->grad_fn->hooks();
  } else {
    if (!impl->hooks) impl->hooks = std::make_shared<autograd::HookList>();
    list = impl->hooks;
  }
  const std::uint64_t id = list->add(std::move(hook));
  return HookHandle(list, id);
}

void Tensor::retain_grad() const {
  if (!requires_grad()) throw AutogradError("retain_grad: the tensor does not require grad");
  TensorImpl* impl = this->impl();
  if (!impl->grad_fn || impl->retains_grad) return;
  impl->retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  register_hook([weak](const Tensor& g) {
    if (auto self = weak.lock()) {
      if (self->grad.defined())
        self->grad = self->grad + g;
      else
        self->grad = autograd::GradMode::is_enabled() ? g : g.detach().clone();
    }
    return Tensor();
  });
}

}  // namespace xg
