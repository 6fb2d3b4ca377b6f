#include <xgrad/core/kernels/layout.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <algorithm>

namespace xg::kernels {
namespace {

// 2-d transpose in cache-friendly tiles.
template <class T> void transpose_2d(const T* in, T* out, std::int64_t rows, std::int64_t cols, std::int64_t batch) {
  constexpr std::int64_t kTile = 32;
  const std::int64_t tiles_r = (rows + kTile - 1) / kTile, tiles_c = (cols + kTile - 1) / kTile;
  parallel_for(0, batch * tiles_r * tiles_c, 16, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) {
      const std::int64_t n = t / (tiles_r * tiles_c), rem = t % (tiles_r * tiles_c);
      const std::int64_t r0 = (rem / tiles_c) * kTile, c0 = (rem % tiles_c) * kTile;
      const T* src = in + n * rows * cols;
      T* dst = out + n * rows * cols;
      for (std::int64_t r = r0; r < std::min(rows, r0 + kTile); ++r)
        for (std::int64_t c = c0; c < std::min(cols, c0 + kTile); ++c) dst[c * rows + r] = src[r * cols + c];
    }
  });
}

}  // namespace

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& order) {
  const Shape& in_shape = x.shape();
  const std::size_t rank = in_shape.size();
  Shape out_shape(rank);
  for (std::size_t d = 0; d < rank; ++d) out_shape[d] = in_shape[order[d]];
  Tensor out = empty_tensor(out_shape, x.dtype());
  const Shape in_strides = contiguous_strides(in_shape);
  // Swapping the last two axes of a batch is the common case: tiled transpose.
  bool last_two = rank >= 2 && order[rank - 1] == static_cast<std::int64_t>(rank - 2) &&
                  order[rank - 2] == static_cast<std::int64_t>(rank - 1);
  for (std::size_t d = 0; d + 2 < rank && last_two; ++d) last_two = order[d] == static_cast<std::int64_t>(d);
  dispatch_all(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* o = out.data<T>();
    if (last_two) {
      const std::int64_t rows = in_shape[rank - 2], cols = in_shape[rank - 1];
      transpose_2d(in, o, rows, cols, rows * cols == 0 ? 0 : x.numel() / (rows * cols));
      return;
    }
    const std::int64_t inner = rank == 0 ? 1 : out_shape[rank - 1];
    const std::int64_t inner_stride = rank == 0 ? 0 : in_strides[order[rank - 1]];
    const std::int64_t rows = inner == 0 ? 0 : out.numel() / inner;
    parallel_for(0, rows, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(inner, 1)),
                 [&](std::int64_t b, std::int64_t e) {
                   for (std::int64_t r = b; r < e; ++r) {
                     std::int64_t rem = r, off = 0;
                     for (std::size_t d = rank - 1; d-- > 0;) {
                       off += (rem % out_shape[d]) * in_strides[order[d]];
                       rem /= out_shape[d];
                     }
                     T* dst = o + r * inner;
                     for (std::int64_t i = 0; i < inner; ++i) dst[i] = in[off + i * inner_stride];
                   }
                 });
  });
  return out;
}

void transpose_matrix(const float* src, std::int64_t rows, std::int64_t cols, float* dst, std::int64_t ld_dst) {
  constexpr std::int64_t kBlock = 32;  // a 32 x 32 block of each side stays in L1
  const std::int64_t row_blocks = (rows + kBlock - 1) / kBlock;
  parallel_for(0, row_blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t i0 = b0 * kBlock; i0 < std::min(rows, b1 * kBlock); i0 += kBlock)
      for (std::int64_t j0 = 0; j0 < cols; j0 += kBlock)
        for (std::int64_t i = i0; i < std::min(rows, i0 + kBlock); ++i)
          for (std::int64_t j = j0; j < std::min(cols, j0 + kBlock); ++j) dst[j * ld_dst + i] = src[i * cols + j];
  });
}

}  // namespace xg::kernels
