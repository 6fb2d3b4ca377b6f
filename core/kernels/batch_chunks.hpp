#pragma once
// Sums over a batch that come out bitwise the same at any thread count: the batch is cut into
// fixed chunks (their bounds depend on the sizes only), each chunk sums into its own buffer in
// parallel (chunk 0 straight into the result, chunk k > 0 into partial buffer k - 1), and the
// partials are then added into the result in chunk order. The weight gradients of the convolution
// kernels (conv.cpp, conv_direct.cpp, winograd.cpp) are such sums.
#include <xgrad/core/kernels/scratch.hpp>
#include <xgrad/core/parallel.hpp>

#include <cstdint>

namespace xg::kernels {

/// out [size] = the sum over the chunks [k * chunk, min(n, (k + 1) * chunk)) of [0, n) of
/// chunk_sum(k, begin, end, acc), which must overwrite acc [size] with chunk k's sum. n >= 1; with
/// size 0 (nothing to sum, the chunks run for their other work) acc is `out` for every chunk.
template <class T, class ChunkSum>
void sum_over_batch_chunks(std::int64_t n, std::int64_t chunk, std::int64_t size, T* out, ChunkSum&& chunk_sum) {
  const std::int64_t chunks = (n + chunk - 1) / chunk;
  Scratch<T> partial((chunks - 1) * size);
  parallel_chunks(n, chunk, [&](std::int64_t k, std::int64_t begin, std::int64_t end) {
    chunk_sum(k, begin, end, k == 0 || size == 0 ? out : partial.get() + (k - 1) * size);
  });
  if (chunks == 1) return;
  parallel_for(0, size, 4096, [&](std::int64_t e0, std::int64_t e1) {
    for (std::int64_t k = 1; k < chunks; ++k) {
      const T* p = partial.get() + (k - 1) * size;
      for (std::int64_t e = e0; e < e1; ++e) out[e] += p[e];
    }
  });
}

}  // namespace xg::kernels
