// GradientReducer (see gradient_reducer.hpp): bucket layout, the per-gradient hook, and the
// completion that turns summed buckets into averaged grad() tensors.
#include <xgrad/distributed/gradient_reducer.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/distributed/backend.hpp>

#include <algorithm>

namespace xg::distributed::detail {

GradientReducer::GradientReducer(std::vector<std::pair<std::string, Tensor>> params, std::int64_t bucket_bytes)
    : params_(std::move(params)), slots_(params_.size()), prior_(params_.size()) {
  if (bucket_bytes <= 0)
    throw ValueError("DataParallel: bucket_bytes must be positive, got " + std::to_string(bucket_bytes));
  const auto cap = static_cast<std::size_t>(bucket_bytes) / sizeof(float);
  std::size_t elements = 0;
  for (std::size_t i = params_.size(); i-- > 0;) {
    if (buckets_.empty() || elements >= cap) {
      buckets_.emplace_back();
      elements = 0;
    }
    buckets_.back().params.push_back(i);
    elements += static_cast<std::size_t>(params_[i].second.numel());
  }
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    std::size_t offset = 0;
    for (std::size_t i : bucket.params) {
      slots_[i] = {.bucket = b, .offset = offset};
      offset += static_cast<std::size_t>(params_[i].second.numel());
    }
    for (std::size_t k = 0; k < bucket.params.size(); ++k) slots_[bucket.params[k]].weight = offset + k;
    bucket.buffer.resize(offset + bucket.params.size());
  }
}

void GradientReducer::begin(double weight) {
  if (in_step_)
    throw AutogradError("DataParallel: a new step began before the previous one was synchronized; call "
                        "synchronize() (or DataParallel::backward) after each backward");
  weight_ = weight;
  in_step_ = true;
  next_launch_ = 0;
  for (Bucket& bucket : buckets_) {
    bucket.filled = 0;
    bucket.op.reset();
  }
  for (std::size_t i = 0; i < params_.size(); ++i) {
    slots_[i].filled = false;
    const Tensor grad = params_[i].second.grad();
    prior_[i] = grad.defined() ? grad.detach().clone() : Tensor();
  }
}

void GradientReducer::on_gradient(std::size_t index, const Tensor& grad) {
  if (!in_step_) begin(1.0);
  Slot& slot = slots_[index];
  Bucket& bucket = buckets_[slot.bucket];
  if (slot.filled)
    throw AutogradError("DataParallel: parameter '" + params_[index].first +
                        "' received a second gradient in one step; call synchronize() (or DataParallel::backward) "
                        "after each backward, or sum the losses before one backward");
  const Tensor g = grad.dtype() == Dtype::Float32 ? grad : grad.to(Dtype::Float32);
  const float* src = g.data<float>();
  float* dst = bucket.buffer.data() + slot.offset;
  const auto w = static_cast<float>(weight_);
  for (std::int64_t k = 0, n = g.numel(); k < n; ++k) dst[k] = src[k] * w;
  bucket.buffer[slot.weight] = w;
  slot.filled = true;
  ++bucket.filled;
  launch_ready();
  for (std::size_t b = 0; b < next_launch_; ++b) backend::progress(*buckets_[b].op);
}

void GradientReducer::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].filled == buckets_[next_launch_].params.size()) {
    Bucket& bucket = buckets_[next_launch_++];
    bucket.op = backend::sum_async(bucket.buffer.data(), bucket.buffer.size());
  }
}

void GradientReducer::finish() {
  if (!in_step_) return;
  in_step_ = false;  // an exception below must not leave the next step refused
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.filled) continue;
    Bucket& bucket = buckets_[slot.bucket];
    std::fill_n(bucket.buffer.data() + slot.offset, params_[i].second.numel(), 0.0f);
    bucket.buffer[slot.weight] = 0.0f;
    ++bucket.filled;
  }
  launch_ready();
  NoGradGuard no_grad;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    backend::wait(*buckets_[b].op, "the gradient all-reduce of bucket", static_cast<std::int64_t>(b),
                  static_cast<std::int64_t>(buckets_.size()));
    for (std::size_t i : buckets_[b].params) write_gradient(i, buckets_[b]);
  }
}

void GradientReducer::write_gradient(std::size_t index, const Bucket& bucket) {
  const Slot& slot = slots_[index];
  Tensor& param = params_[index].second;
  const float total = bucket.buffer[slot.weight];
  Tensor& prior = prior_[index];
  if (total == 0.0f) {  // no rank's pass reached this parameter
    param.set_grad(prior);
    prior = Tensor();
    return;
  }
  Tensor grad = param.grad();
  if (!grad.defined() || grad.dtype() != Dtype::Float32) grad = empty(param.shape());
  const float* sum = bucket.buffer.data() + slot.offset;
  float* dst = grad.data<float>();
  const float* before = prior.defined() ? prior.data<float>() : nullptr;
  for (std::int64_t k = 0, n = param.numel(); k < n; ++k) dst[k] = (before ? before[k] : 0.0f) + sum[k] / total;
  param.set_grad(grad);
  prior = Tensor();
}

}  // namespace xg::distributed::detail
