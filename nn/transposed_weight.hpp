#pragma once
// The single-sample inference path of Dense: y = act(x Wt + b) on a transposed, column-padded copy
// Wt of the weight (core/kernels/gemv.hpp), about 1.5x faster than the product on the [out, in]
// weight. The copy is keyed on the weight's handle and Tensor::version(), so any in-place update
// (an optimizer step, copy_, load) makes it stale; it is rebuilt only once a weight version has
// been seen twice in a row, so code that alternates training steps and single predictions never
// pays for a transpose per prediction, and any forward on the regular path (a training step, a
// batch) drops it, so it costs memory only while one-sample inference is going on.
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <mutex>
#include <optional>

namespace xg::nn {

/// The transposed copy of one float32 weight [out, in]; copying a cache yields an empty one.
class TransposedWeightCache {
 public:
  TransposedWeightCache() = default;
  TransposedWeightCache(const TransposedWeightCache&) {}
  TransposedWeightCache& operator=(const TransposedWeightCache&) { return *this; }

  /// Wt [in, padded_output_width(out)] for `weight` when it is current; undefined when the
  /// weight's version changed since the last call (the caller then takes the regular path).
  Tensor lookup(const Tensor& weight);
  /// Drops the copy and the weight handle it was keyed on. Dense calls it on every forward that
  /// takes the regular path, so training never keeps a stale copy alive.
  void clear();

 private:
  std::mutex mutex_;
  Tensor seen_;  ///< the weight handle of the last lookup, at version seen_version_
  std::uint64_t seen_version_ = 0;
  Tensor transposed_;  ///< Wt of seen_ at seen_version_, or undefined
};

/// True when `x` [..., in] holds one float32 sample whose product with the float32 `weight` and
/// `bias` (may be undefined) would not be recorded by autograd: the case the cache serves.
bool single_row_inference(const Tensor& x, const Tensor& weight, const Tensor& bias);

/// y [..., out] = act(x Wt + bias) for one sample x [..., in] and Wt from TransposedWeightCache.
Tensor single_row_linear(const Tensor& x, const Tensor& wt, std::int64_t out, const Tensor& bias,
                         std::optional<Activation> act);

}  // namespace xg::nn
