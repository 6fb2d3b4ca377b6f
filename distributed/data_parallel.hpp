#pragma once
// DataParallel — the manual-loop form of data-parallel training, for custom models and loops:
//
//   auto net = std::make_shared<Net>();                   // built: every parameter exists
//   xg::distributed::DataParallel ddp(net);               // rank 0's weights on every rank
//   xg::optim::SGD opt(net->parameters(), {.lr = 0.1});
//   xg::datasets::DataLoader loader(data, {.batch_size = 64,
//       .sampler = std::make_shared<xg::distributed::DistributedSampler>(data.size(), ...)});
//   for (const auto& batch : loader) {
//     opt.zero_grad();
//     xg::Tensor loss = xg::nn::functional::cross_entropy(ddp(batch.x), batch.y);
//     ddp.backward(loss);      // backward; gradient buckets are summed over the ranks while it runs
//     opt.step();              // the same averaged gradient on every rank: weights stay identical
//   }
//
// Construction broadcasts rank 0's parameters and buffers and registers a gradient hook on every
// trainable parameter (distributed/gradient_reducer.hpp explains the buckets). ddp(x) runs the
// module and weighs this rank's gradient by x's rows, so ranks with unequal batches (the last
// batch of an epoch) still give the gradient of the mean loss over all their samples. Use a loss
// averaged over the batch (every xgrad loss is, by default). In a world of one rank DataParallel
// adds nothing: no hooks, no copies.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace xg::nn {
class Module;
}

namespace xg::distributed {

namespace detail {
class GradientReducer;
}

struct DataParallelOptions {
  /// Gradient bytes per all-reduce: smaller buckets start communicating earlier in backward,
  /// larger ones send fewer messages. A parameter larger than this gets a bucket of its own.
  std::int64_t bucket_bytes = 256 * 1024;
  /// Copy rank 0's buffers (BatchNorm running statistics) to every rank before each forward.
  bool broadcast_buffers = true;
};

class DataParallel {
 public:
  /// Wraps a module whose parameters all exist (run one forward first for lazily built layers).
  /// Trainable parameters must be float32. Collective: every rank constructs it at the same point.
  explicit DataParallel(std::shared_ptr<nn::Module> module, DataParallelOptions options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  /// module(x) for this rank's batch; its rows become this rank's weight in the gradient mean.
  Tensor operator()(const Tensor& x);
  /// Begins a step explicitly, for forwards that do not go through operator(): this rank's batch
  /// has `samples` samples (0 for a rank that has none this step and calls synchronize() alone).
  void begin_step(std::int64_t samples);
  /// loss.backward(), then synchronize().
  void backward(const Tensor& loss);
  /// Waits for the gradient sums of the step and writes the mean into every parameter's grad().
  /// Every rank must call it once per step, after its backward (or instead of one).
  void synchronize();

  nn::Module& module() { return *module_; }
  /// All-reduce buckets per step (0 in a world of one).
  std::size_t num_buckets() const;

 private:
  std::shared_ptr<nn::Module> module_;
  DataParallelOptions options_;
  std::shared_ptr<detail::GradientReducer> reducer_;
  std::vector<HookHandle> hooks_;
  std::size_t num_parameters_ = 0;
};

}  // namespace xg::distributed
