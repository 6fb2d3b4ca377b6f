#pragma once
// Comparisons (not differentiable: they return 1/0 in the operands' promoted dtype), selection
// and clamping (differentiable in the selected values).
#include <xgrad/core/tensor.hpp>

namespace xg {

Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, double s);
Tensor le(const Tensor& a, double s);
Tensor gt(const Tensor& a, double s);
Tensor ge(const Tensor& a, double s);
Tensor eq(const Tensor& a, double s);
Tensor ne(const Tensor& a, double s);

inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
inline Tensor operator<(const Tensor& a, double s) { return lt(a, s); }
inline Tensor operator<=(const Tensor& a, double s) { return le(a, s); }
inline Tensor operator>(const Tensor& a, double s) { return gt(a, s); }
inline Tensor operator>=(const Tensor& a, double s) { return ge(a, s); }

/// cond != 0 ? a : b, broadcast together. d/da = cond, d/db = 1 - cond.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// min(max(x, lo), hi). d/dx = 1 inside [lo, hi], 0 outside.
Tensor clamp(const Tensor& x, double lo, double hi);
/// Elementwise larger of a and b. The gradient goes to a where a > b, else to b.
Tensor maximum(const Tensor& a, const Tensor& b);
/// Elementwise smaller of a and b. The gradient goes to a where a < b, else to b.
Tensor minimum(const Tensor& a, const Tensor& b);

}  // namespace xg
