#pragma once
// The inference path of Dense: y = act(x Wt + b) on a transposed, column-padded copy Wt of the
// weight. One sample runs the row kernel (core/kernels/gemv.hpp), about 1.5x faster than the
// product on the [out, in] weight; a batch (when out is a multiple of 16) runs one GEMM on Wt
// instead of transposing the weight for every batch. Inputs that are mostly zeros (MNIST pixels)
// run the row kernel on their nonzeros only, one sample or a whole batch, when the weights are
// finite (with an infinite or NaN weight, 0 * w is not 0 and the zeros must be multiplied).
//
// The copy is keyed on the weight's handle and Tensor::version(), so any in-place update (an
// optimizer step, copy_, load) makes it stale; the next inference call remakes it (a transpose,
// ~0.1 ms for 784 x 256), so every inference call with the same weights gives the same bits. Any
// forward on the regular path (a training step, a batch whose units do not fill whole vectors)
// drops it, so it costs memory only while inference is going on. The copy sits on a transparent
// huge page where the system allows it: on 4 KiB pages the 0.8 MB copy of a 784 x 256 weight lands
// on random physical pages, some of which collide in the 8-way L2, and one-image predict took 6 or
// 9 us depending on the process; a 2 MiB page spreads it evenly over the sets.
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace xg::nn {

/// A transposed copy: Wt [in, padded_output_width(out)] (64-byte aligned), and whether every
/// weight is finite (then products may skip zero inputs: 0 * w = 0).
struct TransposedWeight {
  const float* data = nullptr;
  bool finite = false;
};

/// The transposed copy of one float32 weight [out, in]; copying a cache yields an empty one.
class TransposedWeightCache {
 public:
  TransposedWeightCache() = default;
  TransposedWeightCache(const TransposedWeightCache&) {}
  TransposedWeightCache& operator=(const TransposedWeightCache&) { return *this; }

  /// The copy of `weight` [out, in], remade when the weight handle or its version changed since
  /// the copy was made. Valid until the next lookup or clear.
  TransposedWeight lookup(const Tensor& weight);
  /// Drops the copy and the weight handle it was keyed on. Dense calls it on every forward that
  /// takes the regular path, so training never keeps a stale copy alive.
  void clear();
  /// Bytes held by the copy (0 when there is none).
  std::size_t bytes() const;

 private:
  mutable std::mutex mutex_;
  Tensor seen_;  ///< the weight handle the copy was made from, at version seen_version_
  std::uint64_t seen_version_ = 0;
  std::unique_ptr<float, void (*)(void*)> transposed_{nullptr, nullptr};  ///< Wt of seen_, or null
  std::size_t bytes_ = 0;                                                 ///< allocated for transposed_
  bool finite_ = false;                                                   ///< every weight of seen_ finite
};

/// True when the product of `x` [..., in] with the float32 `weight` [out, in] and `bias` (may be
/// undefined) would not be recorded by autograd and can use the copy: one float32 sample, or a
/// batch when out is a multiple of 16 (then Wt has no padding and serves as the GEMM operand).
bool cached_inference_applies(const Tensor& x, const Tensor& weight, const Tensor& bias);

/// y [..., out] = act(x Wt + bias) for x [..., in] and Wt from TransposedWeightCache. When the
/// weights are finite and x is mostly zeros (at most kSparseInputFraction nonzeros: MNIST pixels
/// are ~19% nonzero), the row kernel runs on each sample's nonzeros only: for one sample, and for
/// a batch with at least kSparseMinOutputs (padded) outputs, where it beats the GEMM. Otherwise one
/// sample runs the row kernel and a batch one GEMM on Wt (no per-call transpose of the weight).
Tensor cached_inference_linear(const Tensor& x, const TransposedWeight& wt, std::int64_t out, const Tensor& bias,
                               std::optional<Activation> act);

/// The largest fraction of nonzero inputs for which cached_inference_linear skips the zeros.
inline constexpr double kSparseInputFraction = 0.25;
/// The fewest (padded) outputs for which a sparse batch skips its zeros. The row kernel reads one
/// Wt row per nonzero from L2 for 16 output vectors; with fewer outputs per pass (narrower register
/// blocks) the GEMM's reuse wins even at 19% nonzeros (measured: 0.84x the GEMM's time at 256
/// outputs, 1.03x at 128, 1.18x at 64).
inline constexpr std::int64_t kSparseMinOutputs = 256;

}  // namespace xg::nn
