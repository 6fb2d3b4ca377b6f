#pragma once
// Winograd convolution: conv2d and both of its adjoints for stride-1, undilated 3x3 and 5x5
// kernels, with m x m output tiles: F(4x4, 3x3) on 6x6 input tiles, and for 5x5 F(4x4, 5x5) on
// 8x8 tiles (the default) or F(2x2, 5x5) on 6x6 tiles (set_winograd_5x5_scheme).
//
// Per tile, Y = A^T [(G w G^T) . (B^T d B)] A (Lavin & Gray 2016), with the matrices built at
// compile time from the interpolation points {0, 1, -1, 2, -2, inf} (6x6 tiles) or
// {0, 1, -1, 2, -2, 1/2, -1/2, inf} (8x8 tiles) (winograd_transforms.hpp). Over channels and tiles
// this becomes alpha^2 independent products (36 or 64), one per transform point xi:
//   forward  M_xi [O, T] = U_xi [O, C] V_xi [C, T]   U = G w G^T, V = B^T d B, y = A^T M A
//   input    dV_xi [C, T] = U_xi^T dM_xi              dM = A dy A^T, dx += B dV B^T (tiles overlap)
//   weight   dU_xi [O, C] = sum_T dM_xi V_xi^T        dw = G^T dU G
// (the two adjoints share dM when both are wanted: winograd_backward).
// The two adjoints are the exact transposes of the forward map, so the gradients are those of the
// function computed (to rounding) and float64 gradchecks hold. T counts the tiles of a block of
// images; blocks run in parallel, each product being one call of a register-blocked float kernel
// (winograd_gemm.hpp; AVX-512 or AVX2, with identical results) or one serial BLAS call for double.
// Block and chunk bounds depend only on the sizes, so results are bitwise identical at any thread
// count.
//
// These products do 4x (F(4x4, 3x3)), 6.25x (F(4x4, 5x5)) and 2.8x (F(2x2, 5x5)) fewer
// multiplications than im2col + GEMM. The error stays near float rounding (checked against a
// direct convolution in tests/core/conv_kernels_test.cpp); F(4x4, 5x5)'s larger transforms lose
// a little more (docs/performance.md gives the measured figures).
#include <xgrad/core/activation.hpp>
#include <xgrad/core/kernels/conv.hpp>

namespace xg::kernels {

/// True when `g` has a stride-1, undilated 3x3 or 5x5 window and enough channels on both sides
/// for the transforms to pay off, unless the environment sets XGRAD_CONV_WINOGRAD=0 (read once).
bool winograd_applies(const Conv2dGeometry& g);

/// y [N, O, OH, OW] = act(conv2d(x, w) + b) (b may be null). Requires winograd_applies(g).
template <class T>
void winograd_forward(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g, Activation act);

/// Both adjoints of conv2d for grad [N, O, OH, OW], sharing the transformed gradient:
/// dx [N, C, H, W] (the adjoint in the input; x may be null when dw is) and dw [O, C, kh, kw] (the
/// adjoint in the weight, summed over the batch in a fixed order; w may be null when dx is).
/// Either output may be null.
template <class T>
void winograd_backward(const T* x, const T* grad, const T* w, T* dx, T* dw, const Conv2dGeometry& g);

/// The tiling of 5x5 kernels: F(4x4, 5x5) (64 products per 16 outputs, the default) or
/// F(2x2, 5x5) (36 per 4).
enum class Winograd5x5 { f2x2, f4x4 };
/// The 5x5 tiling in use: F(4x4, 5x5) unless set_winograd_5x5_scheme chose, or the environment
/// sets XGRAD_WINOGRAD_5X5=2x2 (read once).
Winograd5x5 winograd_5x5_scheme();
/// Selects the 5x5 tiling for the calls that follow (for tests and comparisons).
void set_winograd_5x5_scheme(Winograd5x5 scheme);

}  // namespace xg::kernels
