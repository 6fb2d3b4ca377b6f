#pragma once
// Profiled graph: runs a model's forward and backward once, measures every recorded op, and
// draws the autograd graph as a heat map.
//
//   auto result = xg::viz::profile(model, xg::zeros({64, 1, 28, 28}));
//   xg::viz::plot_profile(result, "profile.svg", {.collapse_modules = true});
//
// Per op: forward time, backward time, bytes allocated for its output (numel * element size) and
// bytes it saved for backward. Measurement goes through the thread-local autograd::OpObserver
// hook (autograd/function_node.hpp), so nothing is measured on other threads or outside the call.
// An op's forward time is the time since the previous recorded op finished: the cost of work that
// records nothing (ops on tensors that need no gradient, layer bookkeeping) is charged to the next
// recorded op. Backward time is the node's own backward, gradient accumulation for parameters.
#include <xgrad/autograd/node.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/viz/plot_graph.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xg::viz {

/// Measurements of one graph node.
struct OpProfile {
  std::shared_ptr<const autograd::Node> node;
  /// "MatMulBackward", or "AccumulateGrad" for a parameter.
  std::string name;
  /// Module path that recorded the op ("" outside modules).
  std::string scope;
  Shape output_shape;
  double forward_ms = 0.0;
  double backward_ms = 0.0;
  /// Output numel * element size (0 for parameters, which are not allocated by the pass).
  std::int64_t bytes_allocated = 0;
  /// Sum of the sizes of the tensors the op saved for backward (arrays shared between ops count
  /// once per op here, once in the totals).
  std::int64_t bytes_saved = 0;
};

struct ProfileResult {
  /// The tensor backward ran from; its graph is kept for drawing (saved tensors were freed).
  Tensor output;
  /// The model's named parameters, used to label leaves.
  std::vector<std::pair<std::string, Tensor>> params;
  /// One entry per recorded op, in recording order.
  std::vector<OpProfile> ops;
  /// One entry per parameter leaf reached by backward (backward_ms: gradient accumulation).
  std::vector<OpProfile> leaves;
  /// Sums over ops (forward) and ops + leaves (backward).
  double forward_ms = 0.0;
  double backward_ms = 0.0;
  /// Wall-clock time of the whole forward (model and loss) and of the whole backward call.
  double forward_wall_ms = 0.0;
  double backward_wall_ms = 0.0;
  std::int64_t bytes_allocated = 0;
  /// Bytes saved for backward, each distinct array counted once.
  std::int64_t bytes_saved = 0;

  /// The entry of `node` (an op or a leaf), or nullptr.
  const OpProfile* find(const autograd::Node& node) const;
};

/// Maps a model output to the tensor backward runs from (e.g. a loss against a target).
using ProfileLoss = std::function<Tensor(const Tensor& output)>;

struct ProfileOptions {
  /// Applied to the model output before backward (e.g. a loss against a target). Without it,
  /// backward starts from the output with a gradient of ones.
  ProfileLoss loss;
  /// Unmeasured forward + backward passes run first, so the measured one does not pay for cold
  /// caches, first-touch page faults and thread-pool start-up.
  int warmup = 1;
};

/// Runs model(input) (then options.loss) and backward once, measuring every op. The model's
/// gradients are left as they were before the call. Throws AutogradError if the output does not
/// depend on anything that requires grad, ValueError for a negative warmup.
ProfileResult profile(nn::Module& model, const Tensor& input, const ProfileOptions& options = {});

/// What colours the heat map.
enum class HeatMetric { Time, ForwardTime, BackwardTime, Memory };

/// The DOT text of the profiled graph: each op (or collapsed module) shows its forward and
/// backward time and its memory, filled by `metric` from pale yellow (0) to dark red (maximum);
/// the legend states the totals. options.params defaults to result.params.
std::string profile_to_dot(const ProfileResult& result, PlotGraphOptions options = {},
                           HeatMetric metric = HeatMetric::Time);
/// Renders profile_to_dot to `path` (.png, .svg, .pdf or .dot).
void plot_profile(const ProfileResult& result, const std::string& path, PlotGraphOptions options = {},
                  HeatMetric metric = HeatMetric::Time);

}  // namespace xg::viz
