#pragma once
// Direct float convolution for layers with few input channels (the first layer of an image
// network: 1 or 3 channels), where im2col + GEMM is a product with only C*kh*kw = 25..75 terms
// per output and spends its time writing the column matrix and C.
//
// Each image is staged into zero-padded planes P [C][rows][row_length] (the padding and slack
// make every vector load in bounds). Outputs are computed in vectors of L consecutive columns of
// one output row (L = 16 with AVX-512, else 8); the last vector of a row starts at OW - L and
// overlaps the previous one, so no lane is masked on store. Per block of output channels:
//   forward   y[o][oh][ow0 + l] = b[o] + sum_(c,i,j) w[o][c][i][j] P[c][oh + i][ow0 + l + j]
//             (taps in order c, i, j; two column vectors of a row at once, so that each P
//             vector feeds every channel of the block and each weight two vectors)
//   weight    dw[o][c][i][j] = sum_n sum_(oh, ow) g[n][o][oh][ow] P_n[c][oh + i][ow + j]
//             (a row of kw taps of a block of channels accumulates in registers over the images
//             of a fixed chunk of the batch, the overlapping lanes of the last vector selected
//             out; chunks are added in order, so results do not depend on the thread count).
// Only stride 1 and no dilation; the input gradient stays on im2col.
#include <xgrad/core/activation.hpp>
#include <xgrad/core/kernels/conv.hpp>

namespace xg::kernels {

/// True when `g` suits the direct kernels: stride 1, no dilation, at most 4 input channels,
/// a kernel of at most 7 x 7 and output rows of at least 8 columns.
bool direct_conv_applies(const Conv2dGeometry& g);

/// y [N, O, OH, OW] = act(conv2d(x, w) + b) (b may be null). Requires direct_conv_applies(g).
void direct_conv_forward(const float* x, const float* w, const float* b, float* y, const Conv2dGeometry& g,
                         Activation act);

/// dw [O, C, kh, kw] = the adjoint of conv2d in its weight for grad [N, O, OH, OW], summed over the
/// batch in fixed chunks. Requires direct_conv_applies(g).
void direct_conv_backward_weight(const float* x, const float* grad, float* dw, const Conv2dGeometry& g);

}  // namespace xg::kernels
