#pragma once
// The transforms of Winograd convolution (internal to the Winograd kernels; see winograd.hpp for the
// scheme): the matrices A^T, G and B^T of F(m x m, r x r) on alpha x alpha input tiles
// (alpha = m + r - 1), computed at compile time by Toom-Cook on alpha - 1 finite nodes and
// infinity (0, 1, -1, 2, -2 for alpha 6; 1/2 and -1/2 more for alpha 8), and every transform as a
// fully unrolled "sandwich" L X R over vectors of tiles whose zero coefficients vanish at compile
// time and whose +-1 coefficients are plain adds.
#include <array>
#include <cstdint>
#include <utility>

namespace xg::kernels::winograd_detail {

// ---- transform matrices ---------------------------------------------------------------------------
template <int Alpha> using Square = std::array<std::array<double, Alpha>, Alpha>;

// The finite interpolation nodes of tiles of side Alpha (the last point is infinity): small
// integers first, then the halves that keep F(4x4, 5x5) well conditioned.
template <int Alpha> constexpr std::array<double, Alpha - 1> nodes() {
  static_assert(Alpha == 6 || Alpha == 8, "Winograd tiles of side 6 or 8");
  if constexpr (Alpha == 6)
    return {0.0, 1.0, -1.0, 2.0, -2.0};
  else
    return {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};
}

constexpr double power(double base, int exponent) {
  double p = 1.0;
  for (int i = 0; i < exponent; ++i) p *= base;
  return p;
}
constexpr double magnitude(double v) { return v < 0 ? -v : v; }

// The inverse of the evaluation matrix E of polynomials of degree Alpha - 1: row j < Alpha - 1
// evaluates at node j, the last row takes the leading coefficient (the value "at infinity").
template <int Alpha> constexpr Square<Alpha> inverse_evaluation() {
  constexpr auto node = nodes<Alpha>();
  Square<Alpha> e{}, inv{};
  for (int j = 0; j < Alpha - 1; ++j)
    for (int k = 0; k < Alpha; ++k) e[j][k] = power(node[j], k);
  e[Alpha - 1][Alpha - 1] = 1.0;
  for (int i = 0; i < Alpha; ++i) inv[i][i] = 1.0;
  for (int col = 0; col < Alpha; ++col) {  // Gauss-Jordan with partial pivoting
    int pivot = col;
    for (int r = col + 1; r < Alpha; ++r)
      if (magnitude(e[r][col]) > magnitude(e[pivot][col])) pivot = r;
    std::swap(e[col], e[pivot]);
    std::swap(inv[col], inv[pivot]);
    const double d = e[col][col];
    for (int k = 0; k < Alpha; ++k) e[col][k] /= d, inv[col][k] /= d;
    for (int r = 0; r < Alpha; ++r) {
      if (r == col) continue;
      const double f = e[r][col];
      for (int k = 0; k < Alpha; ++k) e[r][k] -= f * e[col][k], inv[r][k] -= f * inv[col][k];
    }
  }
  return inv;
}

// F(m x m, r x r): the correlation y = A^T [(G g) . (B^T d)] of a tile d of m + r - 1 inputs with
// a kernel g of r taps is the transpose of the polynomial product (a of degree m - 1 times g):
// A^T and G evaluate a and g at the nodes, B^T = E^-T interpolates.
template <int M, int R> struct Winograd {
  static constexpr int m = M, r = R;
  static constexpr int alpha = M + R - 1;       // input tile side
  static constexpr int points = alpha * alpha;  // products per convolution
  struct Matrices {
    double at[M][alpha]{};
    double g[alpha][R]{};
    double bt[alpha][alpha]{};
  };
  static constexpr Matrices build() {
    constexpr auto node = nodes<alpha>();
    Matrices t{};
    const Square<alpha> inv = inverse_evaluation<alpha>();
    for (int i = 0; i < alpha; ++i)
      for (int j = 0; j < alpha; ++j) t.bt[i][j] = inv[j][i];
    for (int j = 0; j < alpha; ++j) {
      const bool infinity = j == alpha - 1;
      for (int i = 0; i < M; ++i) t.at[i][j] = infinity ? (i == M - 1) : power(node[j], i);
      for (int k = 0; k < R; ++k) t.g[j][k] = infinity ? (k == R - 1) : power(node[j], k);
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
// Inlined whole (flatten), so that the compiler fuses the same products into the same multiply-adds
// in the 8- and 16-lane code (an 8 x 8 sandwich left partly out of line fused differently).
template <class T, int P, int Q, int S, int Q2, auto lf, auto rf, class V>
[[gnu::flatten]] inline void sandwich(const V (&x)[Q][S], V (&y)[P][Q2]) {
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

// y [P][P] = L x L^T for L [P][Q] given as a constexpr function l(i, k): every transform below is
// such a product with L one of A^T, B^T, G or a transpose of them.
template <class T, int P, int Q, auto l, class V> [[gnu::always_inline]] inline void conjugate(const V (&x)[Q][Q], V (&y)[P][P]) {
  sandwich<T, P, Q, Q, P, l, [](int k, int j) { return l(j, k); }>(x, y);
}

template <class W> struct Transforms {
  static constexpr int m = W::m, r = W::r, a = W::alpha;
  static constexpr auto& t = W::mat;
  // V = B^T d B
  template <class T, class V> static void input(const V (&d)[a][a], V (&v)[a][a]) {
    conjugate<T, a, a, [](int i, int k) { return t.bt[i][k]; }>(d, v);
  }
  // dd = B dV B^T (adjoint of input)
  template <class T, class V> static void input_adjoint(const V (&dv)[a][a], V (&dd)[a][a]) {
    conjugate<T, a, a, [](int i, int k) { return t.bt[k][i]; }>(dv, dd);
  }
  // y = A^T M A
  template <class T, class V> static void output(const V (&mm)[a][a], V (&y)[m][m]) {
    conjugate<T, m, a, [](int i, int k) { return t.at[i][k]; }>(mm, y);
  }
  // dM = A dy A^T (adjoint of output)
  template <class T, class V> static void output_adjoint(const V (&dy)[m][m], V (&dm)[a][a]) {
    conjugate<T, a, m, [](int i, int k) { return t.at[k][i]; }>(dy, dm);
  }
  // U = G w G^T
  template <class T, class V> static void kernel(const V (&w)[r][r], V (&u)[a][a]) {
    conjugate<T, a, r, [](int i, int k) { return t.g[i][k]; }>(w, u);
  }
  // dw = G^T dU G (adjoint of kernel)
  template <class T, class V> static void kernel_adjoint(const V (&du)[a][a], V (&dw)[r][r]) {
    conjugate<T, r, a, [](int i, int k) { return t.g[k][i]; }>(du, dw);
  }
};

}  // namespace xg::kernels::winograd_detail
