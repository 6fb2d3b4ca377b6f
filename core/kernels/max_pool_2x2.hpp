#pragma once
// The row kernel of 2x2 / stride-2 max pooling, the common pooling layer (internal, no autograd).
#include <cstdint>

namespace xg::kernels {

/// The max-pooling rule, shared by every pooling kernel: candidate v takes the place of the current
/// best b when it is strictly larger, or when it is the first NaN (written with `|` and `&` so that
/// loops using it vectorize).
template <class T> inline bool max_pool_takes(T v, T b) { return (v > b) | ((v != v) & (b == b)); }

/// One output row of a 2x2, stride-2, unpadded max pooling: for ow in [0, out_w), best[ow] is the
/// maximum of r0[2ow], r0[2ow + 1], r1[2ow], r1[2ow + 1] (rows 2oh and 2oh + 1 of a plane with
/// `width` columns, 2 * out_w <= width) and arg[ow] its position base + 2ow (+ 1 for the right
/// column, + width for the lower row). The first strictly larger value wins, and the first NaN
/// beats any number, so ties and NaN pick the same position as a row-major scan.
template <class T>
void max_pool_2x2_row(const T* r0, const T* r1, std::int64_t base, std::int64_t width, std::int64_t out_w, T* best,
                      std::int64_t* arg);

}  // namespace xg::kernels
