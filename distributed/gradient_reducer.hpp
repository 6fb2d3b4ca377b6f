#pragma once
// GradientReducer — the bucketed gradient all-reduce behind DataParallel (internal header).
//
// The trainable parameters are cut into buckets of about `bucket_bytes`, in reverse registration
// order: backward reaches the last layers first, so the first bucket is complete first. A
// gradient hook on each parameter copies the gradient of the pass, times this rank's weight w (its
// batch's samples), into the parameter's slot of its bucket's flat buffer, and sets the
// parameter's weight slot at the end of the buffer to w. When a bucket's last parameter arrives —
// and every earlier bucket has started, so all ranks start the same collectives in the same
// order — its sum over the ranks starts (non-blocking) while backward goes on with the earlier
// layers; later hooks let MPI advance the sums in flight.
//
// finish() gives every parameter that produced no gradient on this rank a zero slot of weight 0,
// starts the buckets still waiting, waits for all, and writes
//     grad = sum_r(w_r * g_r) / sum_r(w_r)      (over the ranks r whose pass reached it)
// into each parameter's grad(): the sample-weighted mean, equal to the gradient of the mean loss
// over the union of the ranks' batches. A parameter no rank reached keeps its grad() as it was
// (undefined after zero_grad), as in one process. A grad() already defined when the step began
// (accumulation over several steps) is kept and the mean is added to it.
#include <xgrad/core/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xg::distributed::backend {
struct Operation;
}

namespace xg::distributed::detail {

class GradientReducer {
 public:
  /// `params`: the trainable float32 parameters with their names (for messages).
  GradientReducer(std::vector<std::pair<std::string, Tensor>> params, std::int64_t bucket_bytes);

  /// Starts a step whose local batch has `weight` samples (also called by the first hook of a
  /// step that was not begun explicitly, with weight 1).
  void begin(double weight);
  /// The gradient hook of parameter `index`.
  void on_gradient(std::size_t index, const Tensor& grad);
  /// Completes the open step: every parameter's grad() holds the mean over the ranks.
  void finish();
  bool in_step() const { return in_step_; }
  std::size_t num_buckets() const { return buckets_.size(); }

 private:
  struct Slot {
    std::size_t bucket;
    std::size_t offset;  // first element in the bucket's buffer
    std::size_t weight;  // index of its weight in the buffer
    bool filled = false;
  };
  struct Bucket {
    std::vector<std::size_t> params;
    std::vector<float> buffer;  // the gradients, then one weight per parameter
    std::size_t filled = 0;
    std::shared_ptr<backend::Operation> op;
  };
  void launch_ready();
  void write_gradient(std::size_t index, const Bucket& bucket);

  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<Tensor> prior_;  // grad() at the start of the step, when defined
  std::size_t next_launch_ = 0;
  double weight_ = 1;
  bool in_step_ = false;
};

}  // namespace xg::distributed::detail
