#pragma once
// Differentiable elementwise functions of one tensor. Each doc line gives the derivative used.
#include <xgrad/core/tensor.hpp>

namespace xg {

/// e^x. d = e^x.
Tensor exp(const Tensor& x);
/// ln x. d = 1/x.
Tensor log(const Tensor& x);
/// sqrt x. d = 1/(2 sqrt x).
Tensor sqrt(const Tensor& x);
/// 1/sqrt x. d = -1/(2 x^1.5).
Tensor rsqrt(const Tensor& x);
/// |x|. d = sign(x) (0 at the kink).
Tensor abs(const Tensor& x);
/// sign(x) in {-1, 0, 1}. Gradient 0 everywhere.
Tensor sign(const Tensor& x);
/// x^2. d = 2x.
Tensor square(const Tensor& x);
/// 1/x. d = -1/x^2.
Tensor reciprocal(const Tensor& x);
/// tanh x. d = 1 - tanh^2 x.
Tensor tanh(const Tensor& x);
/// 1/(1+e^-x), stable on both tails. d = s(1-s).
Tensor sigmoid(const Tensor& x);
/// max(x, 0). d = 1 for x > 0, 0 otherwise (0 at the kink, as PyTorch).
Tensor relu(const Tensor& x);
/// sin x. d = cos x.
Tensor sin(const Tensor& x);
/// cos x. d = -sin x.
Tensor cos(const Tensor& x);
/// ln(1+x). d = 1/(1+x).
Tensor log1p(const Tensor& x);
/// e^x - 1. d = e^x.
Tensor expm1(const Tensor& x);
/// erf x. d = 2/sqrt(pi) e^(-x^2).
Tensor erf(const Tensor& x);

}  // namespace xg
