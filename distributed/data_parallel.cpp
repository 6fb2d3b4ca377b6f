// DataParallel (see data_parallel.hpp): joins the job, makes the replicas equal, hooks the
// parameters into a GradientReducer and drives its steps.
#include <xgrad/distributed/data_parallel.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/distributed/gradient_reducer.hpp>
#include <xgrad/distributed/runtime.hpp>
#include <xgrad/nn/module.hpp>

namespace xg::distributed {

DataParallel::DataParallel(std::shared_ptr<nn::Module> module, DataParallelOptions options)
    : module_(std::move(module)), options_(options) {
  if (!module_) throw ValueError("DataParallel: the module is null");
  init();
  std::vector<std::pair<std::string, Tensor>> trainable;
  for (auto& [name, p] : module_->named_parameters()) {
    if (!p.requires_grad()) continue;
    if (p.dtype() != Dtype::Float32)
      throw DtypeError("DataParallel: parameter '" + name + "' is " + std::string(dtype_name(p.dtype())) +
                       "; gradients are averaged in float32 (expected float32 parameters)");
    trainable.emplace_back(name, p);
  }
  num_parameters_ = module_->parameters().size();
  broadcast_state(*module_);
  if (world_size() == 1) return;
  reducer_ = std::make_shared<detail::GradientReducer>(trainable, options_.bucket_bytes);
  for (std::size_t i = 0; i < trainable.size(); ++i) {
    std::weak_ptr<detail::GradientReducer> weak = reducer_;
    hooks_.push_back(trainable[i].second.register_hook([weak, i](const Tensor& g) {
      if (auto reducer = weak.lock()) reducer->on_gradient(i, g);
      return Tensor();
    }));
  }
}

DataParallel::~DataParallel() {
  for (auto& hook : hooks_) hook.remove();
}

Tensor DataParallel::operator()(const Tensor& x) {
  begin_step(x.defined() && x.dim() > 0 ? x.size(0) : 1);
  Tensor out = (*module_)(x);
  if (module_->parameters().size() != num_parameters_)
    throw ValueError("DataParallel: the module created parameters during forward (a lazily built layer); run one "
                     "forward (or Model::build) before wrapping it, so every rank starts from rank 0's weights");
  return out;
}

void DataParallel::begin_step(std::int64_t samples) {
  if (samples < 0) throw ValueError("DataParallel::begin_step: samples must be >= 0, got " + std::to_string(samples));
  if (!reducer_) return;
  if (options_.broadcast_buffers)
    for (Tensor& b : module_->buffers()) broadcast(b);
  reducer_->begin(static_cast<double>(samples));
}

void DataParallel::backward(const Tensor& loss) {
  loss.backward();
  synchronize();
}

void DataParallel::synchronize() {
  if (!reducer_) return;
  if (!reducer_->in_step()) begin_step(0);  // a rank without a batch this step still takes part
  reducer_->finish();
}

std::size_t DataParallel::num_buckets() const { return reducer_ ? reducer_->num_buckets() : 0; }

}  // namespace xg::distributed
