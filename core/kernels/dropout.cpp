#include <xgrad/core/kernels/dropout.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

namespace xg::kernels {
namespace {

constexpr std::int64_t kGrain = 32768;

// murmur3's 32-bit finalizer: 32-bit multiplies, so the mask loop vectorizes (the 64-bit
// SplitMix of random::bits does not on AVX2).
inline std::uint32_t fmix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bU;
  h ^= h >> 13;
  h *= 0xc2b2ae35U;
  return h ^ (h >> 16);
}

}  // namespace

Tensor dropout_mask(const Shape& shape, Dtype dtype, double rate, const GeneratorState& block) {
  Tensor mask = empty_tensor(shape, dtype);
  // The block's first 64-bit draw keys the stream; element i hashes (key, i) twice.
  const std::uint64_t key = random::bits(block, 0);
  const auto key_lo = static_cast<std::uint32_t>(key), key_hi = static_cast<std::uint32_t>(key >> 32);
  // Keep when the 24-bit draw u satisfies u >= rate * 2^24 (u / 2^24 is uniform on [0, 1)).
  const auto threshold = static_cast<std::uint32_t>(rate * 16777216.0);
  dispatch_float(dtype, "dropout", [&]<class T>() {
    T* m = mask.data<T>();
    const T scale = static_cast<T>(1.0 / (1.0 - rate));
    parallel_for(0, mask.numel(), kGrain, [&](std::int64_t b, std::int64_t e) {
      // Loop constants as locals: read through the closure, they could alias the stores to m
      // (masked reloads that stop the vectorizer).
      const T keep = scale;
      const std::uint32_t th = threshold, lo = key_lo, hi = key_hi;
      T* out = m;
      for (std::int64_t i = b; i < e; ++i) {
        const std::uint32_t u = fmix32(lo ^ fmix32(static_cast<std::uint32_t>(i) * 0x9e3779b9U + hi));
        out[i] = (u >> 8) >= th ? keep : T(0);
      }
    });
  });
  return mask;
}

}  // namespace xg::kernels
