#pragma once
// The transforms of Winograd convolution (internal to winograd.cpp; see winograd.hpp for the
// scheme): the matrices A^T, G and B^T of F(m x m, r x r) on 6 x 6 input tiles, computed at compile
// time (Toom-Cook on the nodes 0, 1, -1, 2, -2 and infinity), and every transform as a fully
// unrolled "sandwich" L X R over vectors of tiles whose zero coefficients vanish at compile time
// and whose +-1 coefficients are plain adds.
#include <array>
#include <cstdint>
#include <utility>

namespace xg::kernels::winograd_detail {

constexpr int kAlpha = 6;                 // input tile side (m + r - 1) of both transforms
constexpr int kPoints = kAlpha * kAlpha;  // products per convolution

// ---- transform matrices ---------------------------------------------------------------------------
using Square = std::array<std::array<double, kAlpha>, kAlpha>;
constexpr std::array<double, kAlpha - 1> kNodes{0.0, 1.0, -1.0, 2.0, -2.0};

constexpr double power(double base, int exponent) {
  double p = 1.0;
  for (int i = 0; i < exponent; ++i) p *= base;
  return p;
}
constexpr double magnitude(double v) { return v < 0 ? -v : v; }

// The inverse of the evaluation matrix E of polynomials of degree kAlpha - 1: row j < kAlpha - 1
// evaluates at node j, the last row takes the leading coefficient (the value "at infinity").
constexpr Square inverse_evaluation() {
  Square e{}, inv{};
  for (int j = 0; j < kAlpha - 1; ++j)
    for (int k = 0; k < kAlpha; ++k) e[j][k] = power(kNodes[j], k);
  e[kAlpha - 1][kAlpha - 1] = 1.0;
  for (int i = 0; i < kAlpha; ++i) inv[i][i] = 1.0;
  for (int col = 0; col < kAlpha; ++col) {  // Gauss-Jordan with partial pivoting
    int pivot = col;
    for (int r = col + 1; r < kAlpha; ++r)
      if (magnitude(e[r][col]) > magnitude(e[pivot][col])) pivot = r;
    std::swap(e[col], e[pivot]);
    std::swap(inv[col], inv[pivot]);
    const double d = e[col][col];
    for (int k = 0; k < kAlpha; ++k) e[col][k] /= d, inv[col][k] /= d;
    for (int r = 0; r < kAlpha; ++r) {
      if (r == col) continue;
      const double f = e[r][col];
      for (int k = 0; k < kAlpha; ++k) e[r][k] -= f * e[col][k], inv[r][k] -= f * inv[col][k];
    }
  }
  return inv;
}

// F(m x m, r x r): the correlation y = A^T [(G g) . (B^T d)] of a tile d of m + r - 1 inputs with
// a kernel g of r taps is the transpose of the polynomial product (a of degree m - 1 times g):
// A^T and G evaluate a and g at the nodes, B^T = E^-T interpolates.
template <int M, int R> struct Winograd {
  static_assert(M + R - 1 == kAlpha);
  static constexpr int m = M, r = R;
  struct Matrices {
    double at[M][kAlpha]{};
    double g[kAlpha][R]{};
    double bt[kAlpha][kAlpha]{};
  };
  static constexpr Matrices build() {
    Matrices t{};
    const Square inv = inverse_evaluation();
    for (int i = 0; i < kAlpha; ++i)
      for (int j = 0; j < kAlpha; ++j) t.bt[i][j] = inv[j][i];
    for (int j = 0; j < kAlpha; ++j) {
      const bool infinity = j == kAlpha - 1;
      for (int i = 0; i < M; ++i) t.at[i][j] = infinity ? (i == M - 1) : power(kNodes[j], i);
      for (int k = 0; k < R; ++k) t.g[j][k] = infinity ? (k == R - 1) : power(kNodes[j], k);
    }
    return t;
  }
  static constexpr Matrices mat = build();
};

// ---- compile-time unrolled transforms -------------------------------------------------------------
template <int N, class F> inline void unroll(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) { (f(std::integral_constant<int, I>{}), ...); }
  (std::make_integer_sequence<int, N>{});
}

// acc += c * x (acc = c * x for the first term) for a compile-time coefficient c: nothing for 0,
// a move, negation, add or subtract for +-1.
template <class T, class Coef, bool First, class V> inline void accumulate(V& acc, const V& x) {
  constexpr double c = Coef::value;
  if constexpr (c == 0.0)
    return;
  else if constexpr (First)
    acc = c == 1.0 ? x : c == -1.0 ? -x : static_cast<T>(c) * x;
  else if constexpr (c == 1.0)
    acc += x;
  else if constexpr (c == -1.0)
    acc -= x;
  else
    acc += static_cast<T>(c) * x;
}

template <auto F, int I, int J> struct Entry {
  static constexpr double value = F(I, J);
};
// The first k < N with F(k, J) != 0 (FirstRow) and with F(I, k) != 0 (FirstColumn).
template <auto F, int N, int J> constexpr int first_row() {
  for (int k = 0; k < N; ++k)
    if (F(k, J) != 0.0) return k;
  return N;
}
template <auto F, int N, int I> constexpr int first_column() {
  for (int k = 0; k < N; ++k)
    if (F(I, k) != 0.0) return k;
  return N;
}

// y [P][Q2] = L x R with L [P][Q] and R [S][Q2] given as constexpr functions lf(i, k), rf(k, j).
template <class T, int P, int Q, int S, int Q2, auto lf, auto rf, class V>
inline void sandwich(const V (&x)[Q][S], V (&y)[P][Q2]) {
  V tmp[Q][Q2];
  unroll<Q>([&](auto q) {
    unroll<Q2>([&](auto j) {
      constexpr int J = decltype(j)::value, first = first_row<rf, S, J>();
      V acc{};
      unroll<S>([&](auto s) { accumulate<T, Entry<rf, s, J>, s == first>(acc, x[q][s]); });
      tmp[q][j] = acc;
    });
  });
  unroll<P>([&](auto i) {
    unroll<Q2>([&](auto j) {
      constexpr int I = decltype(i)::value, first = first_column<lf, Q, I>();
      V acc{};
      unroll<Q>([&](auto q) { accumulate<T, Entry<lf, I, q>, q == first>(acc, tmp[q][j]); });
      y[i][j] = acc;
    });
  });
}

template <class W> struct Transforms {
  static constexpr int m = W::m, r = W::r;
  static constexpr auto& t = W::mat;
  // V = B^T d B
  template <class T, class V> static void input(const V (&d)[kAlpha][kAlpha], V (&v)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, kAlpha, kAlpha, kAlpha, [](int i, int k) { return t.bt[i][k]; },
             [](int k, int j) { return t.bt[j][k]; }>(d, v);
  }
  // dd = B dV B^T (adjoint of input)
  template <class T, class V> static void input_adjoint(const V (&dv)[kAlpha][kAlpha], V (&dd)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, kAlpha, kAlpha, kAlpha, [](int i, int k) { return t.bt[k][i]; },
             [](int k, int j) { return t.bt[k][j]; }>(dv, dd);
  }
  // y = A^T M A
  template <class T, class V> static void output(const V (&mm)[kAlpha][kAlpha], V (&y)[m][m]) {
    sandwich<T, m, kAlpha, kAlpha, m, [](int i, int k) { return t.at[i][k]; },
             [](int k, int j) { return t.at[j][k]; }>(mm, y);
  }
  // dM = A dy A^T (adjoint of output)
  template <class T, class V> static void output_adjoint(const V (&dy)[m][m], V (&dm)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, m, m, kAlpha, [](int i, int k) { return t.at[k][i]; },
             [](int k, int j) { return t.at[k][j]; }>(dy, dm);
  }
  // U = G w G^T
  template <class T, class V> static void kernel(const V (&w)[r][r], V (&u)[kAlpha][kAlpha]) {
    sandwich<T, kAlpha, r, r, kAlpha, [](int i, int k) { return t.g[i][k]; },
             [](int k, int j) { return t.g[j][k]; }>(w, u);
  }
  // dw = G^T dU G (adjoint of kernel)
  template <class T, class V> static void kernel_adjoint(const V (&du)[kAlpha][kAlpha], V (&dw)[r][r]) {
    sandwich<T, r, kAlpha, kAlpha, r, [](int i, int k) { return t.g[k][i]; },
             [](int k, int j) { return t.g[k][j]; }>(du, dw);
  }
};

}  // namespace xg::kernels::winograd_detail
