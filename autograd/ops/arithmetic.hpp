#pragma once
// Differentiable arithmetic: + - * / pow and negation, tensor-tensor (NumPy broadcasting) and
// tensor-scalar. Gradients of broadcast operands are summed back to their shapes.
#include <xgrad/core/tensor.hpp>

namespace xg {

/// a + b. d/da = 1, d/db = 1.
Tensor add(const Tensor& a, const Tensor& b);
/// a - b. d/da = 1, d/db = -1.
Tensor sub(const Tensor& a, const Tensor& b);
/// a * b. d/da = b, d/db = a.
Tensor mul(const Tensor& a, const Tensor& b);
/// a / b. d/da = 1/b, d/db = -a/b^2.
Tensor div(const Tensor& a, const Tensor& b);
/// -a.
Tensor neg(const Tensor& a);
/// a^b elementwise (a > 0 where b is not an integer). d/da = b a^(b-1), d/db = a^b ln a.
Tensor pow(const Tensor& a, const Tensor& b);
/// a^p. d/da = p a^(p-1).
Tensor pow(const Tensor& a, double p);
/// s^a. d/da = s^a ln s (s > 0).
Tensor pow(double s, const Tensor& a);

Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
/// s - a.
Tensor rsub(double s, const Tensor& a);
/// s / a. d/da = -s/a^2.
Tensor rdiv(double s, const Tensor& a);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return add(a, -s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return mul(a, 1.0 / s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }

}  // namespace xg
