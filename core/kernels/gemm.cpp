// GEMM kernels. One driver (run_gemm) cuts a batch of products into tasks and hands each task's
// tile of C to a per-dtype tile kernel: cblas_sgemm / cblas_dgemm for float / double (OpenBLAS kept
// at one thread, see core/parallel.cpp), a loop for int64. Tiles are fixed by (M, N, K) alone, so
// the result does not depend on the thread count; see gemm.hpp.
#include <xgrad/core/kernels/gemm.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/kernels/elementwise.hpp>
#include <xgrad/core/kernels/gemm_blocked.hpp>
#include <xgrad/core/kernels/rounding.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace xg::kernels {
namespace {

// A product is split only into tiles of at least kTileWork multiply-adds (~80 us of one-core sgemm
// here), and a tile spans at least kMinBlock rows (or columns): each BLAS call packs its own panels
// of A and B, which cost ~8% of the time at 64-row tiles and ~4% at 128 (measured with OpenBLAS
// sgemm, Haswell kernels). Up to kMaxTiles tasks balance a product over a few cores.
constexpr double kTileWork = 1 << 22;
constexpr std::int64_t kMaxTiles = 16;
constexpr std::int64_t kMinBlock = 128, kAlign = 16;

double product_work(std::int64_t M, std::int64_t N, std::int64_t K) {
  return static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
}

// `extent` cut into at most `parts` blocks of >= kMinBlock (whole extent when it is too short).
struct Split {
  std::int64_t block, count;
};
Split split(std::int64_t extent, std::int64_t parts) {
  const std::int64_t n = std::max<std::int64_t>(1, std::min(parts, extent / kMinBlock));
  const std::int64_t block = round_up(ceil_div(extent, n), kAlign);
  return {block, ceil_div(extent, block)};
}

// The tiles of one [M, N] product. The longer side is cut first: a row block re-packs all of B, a
// column block all of A, so the relative overhead is 1 / block size along the cut.
struct Tiling {
  Split rows, cols;
  std::int64_t count() const { return rows.count * cols.count; }
};

Tiling plan_tiling(std::int64_t M, std::int64_t N, std::int64_t K) {
  const auto wanted = static_cast<std::int64_t>(
      std::min(static_cast<double>(kMaxTiles), std::floor(product_work(M, N, K) / kTileWork)));
  if (wanted <= 1) return {{M, 1}, {N, 1}};
  if (M >= N) {
    const Split rows = split(M, wanted);
    return {rows, split(N, wanted / rows.count)};
  }
  const Split cols = split(N, wanted);
  return {split(M, wanted / cols.count), cols};
}

// OpenBLAS is switched to one thread when xgrad's thread limit is first set up.
void ensure_serial_blas() {
  static const int threads = get_num_threads();
  (void)threads;
}

void check_blas_range(std::int64_t M, std::int64_t N, std::int64_t K) {
  if (std::max({M, N, K}) > INT_MAX)
    throw ValueError("gemm: product [" + std::to_string(M) + ", " + std::to_string(K) + "] x [" + std::to_string(K) +
                     ", " + std::to_string(N) + "] exceeds the 32-bit index range of BLAS");
}

// ---- tile kernels: c[m, n] (leading dimension ldc) = alpha * op(a) op(b) + beta * c ---------------
CBLAS_TRANSPOSE blas_trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

// y (incy apart) = alpha * op(a) x + beta * y with a [rows, cols] (ld lda) and x (incx apart).
void blas_gemv(bool trans, std::int64_t rows, std::int64_t cols, double alpha, const float* a, std::int64_t lda,
               const float* x, std::int64_t incx, double beta, float* y, std::int64_t incy) {
  cblas_sgemv(CblasRowMajor, blas_trans(trans), static_cast<blasint>(rows), static_cast<blasint>(cols),
              static_cast<float>(alpha), a, static_cast<blasint>(lda), x, static_cast<blasint>(incx),
              static_cast<float>(beta), y, static_cast<blasint>(incy));
}
void blas_gemv(bool trans, std::int64_t rows, std::int64_t cols, double alpha, const double* a, std::int64_t lda,
               const double* x, std::int64_t incx, double beta, double* y, std::int64_t incy) {
  cblas_dgemv(CblasRowMajor, blas_trans(trans), static_cast<blasint>(rows), static_cast<blasint>(cols), alpha, a,
              static_cast<blasint>(lda), x, static_cast<blasint>(incx), beta, y, static_cast<blasint>(incy));
}

void blas_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const float* a,
               std::int64_t lda, const float* b, std::int64_t ldb, double beta, float* c, std::int64_t ldc) {
  cblas_sgemm(CblasRowMajor, blas_trans(ta), blas_trans(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), static_cast<float>(alpha), a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), static_cast<float>(beta), c, static_cast<blasint>(ldc));
}
void blas_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
               std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  cblas_dgemm(CblasRowMajor, blas_trans(ta), blas_trans(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

// A one-row or one-column product is a matrix-vector product: GEMV streams the matrix once where
// GEMM would first pack it (a single-image Dense forward: 5.5 -> 2.5 us for 784 x 256). With
// beta == 0 the output is zeroed first, so garbage in it never reaches BLAS's scaling.
template <class T>
void tile_kernel(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const T* a,
                 std::int64_t lda, const T* b, std::int64_t ldb, double beta, T* c, std::int64_t ldc) {
  if (m == 1 || n == 1) {
    const std::int64_t len = m == 1 ? n : m, inc = m == 1 ? 1 : ldc;
    if (beta == 0.0)
      for (std::int64_t i = 0; i < len; ++i) c[i * inc] = T(0);
    if (m == 1)  // c[0, :] = op(b)^T op(a)[0, :]
      blas_gemv(!tb, tb ? n : k, tb ? k : n, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);
    else  // c[:, 0] = op(a) op(b)[:, 0]
      blas_gemv(ta, ta ? k : m, ta ? m : k, alpha, a, lda, b, tb ? 1 : ldb, beta, c, ldc);
    return;
  }
  blas_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

std::int64_t scaled(std::int64_t x, double s) {
  return s == 1.0 ? x : static_cast<std::int64_t>(s * static_cast<double>(x));
}

void tile_kernel(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                 const std::int64_t* a, std::int64_t lda, const std::int64_t* b, std::int64_t ldb, double beta,
                 std::int64_t* c, std::int64_t ldc) {
  const std::int64_t a_row = ta ? 1 : lda, a_col = ta ? lda : 1;  // element (i, p) of op(a)
  const std::int64_t b_row = tb ? 1 : ldb, b_col = tb ? ldb : 1;  // element (p, j) of op(b)
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      std::int64_t acc = 0;
      for (std::int64_t p = 0; p < k; ++p) acc += a[i * a_row + p * a_col] * b[p * b_row + j * b_col];
      std::int64_t& out = c[i * ldc + j];
      out = scaled(acc, alpha) + (beta == 0.0 ? 0 : scaled(out, beta));
    }
}

// Tile [r0, r1) x [c0, c1) of one product: sub-matrices are addressed in place through lda / ldb.
template <class T>
void run_tile(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const T* A,
              const T* B, double beta, T* C, std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1) {
  const T* a = ta ? A + r0 : A + r0 * K;
  const T* b = tb ? B + c0 * K : B + c0;
  tile_kernel(ta, tb, r1 - r0, c1 - c0, K, alpha, a, ta ? M : K, b, tb ? K : N, beta, C + r0 * N + c0, N);
}

// C *= beta (C := 0 when beta == 0, without reading it): the whole product when K == 0 or alpha == 0.
template <class T> void scale_output(T* C, std::int64_t count, double beta) {
  if (beta == 1.0) return;
  for (std::int64_t i = 0; i < count; ++i) C[i] = beta == 0.0 ? T(0) : static_cast<T>(beta * static_cast<double>(C[i]));
}

// Validates the sizes of `batch` products and finishes those that need no BLAS call (an empty C,
// or K == 0 / alpha == 0 where C, batch * M rows of N elements ldc apart, is only scaled). Returns
// false when BLAS must run; OpenBLAS is then set to one thread.
template <class T>
bool done_without_blas(std::int64_t batch, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, double beta,
                       T* C, std::int64_t ldc) {
  if (M < 0 || N < 0 || K < 0)
    throw ValueError("gemm: negative size M=" + std::to_string(M) + ", N=" + std::to_string(N) +
                     ", K=" + std::to_string(K));
  if (batch == 0 || M == 0 || N == 0) return true;
  if (K == 0 || alpha == 0.0) {
    for (std::int64_t row = 0; row < batch * M; ++row) scale_output(C + row * ldc, N, beta);
    return true;
  }
  check_blas_range(M, N, K);
  ensure_serial_blas();
  return false;
}

template <class T>
void run_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const T* A,
              std::span<const std::int64_t> a_offsets, const T* B, std::span<const std::int64_t> b_offsets,
              double beta, T* C) {
  if (a_offsets.size() != b_offsets.size())
    throw ValueError("gemm_batched: " + std::to_string(a_offsets.size()) + " offsets for A but " +
                     std::to_string(b_offsets.size()) + " for B");
  const auto batch = static_cast<std::int64_t>(a_offsets.size());
  if constexpr (std::is_same_v<T, float>)
    if (batch == 1 &&
        gemm_on_micro_kernels(ta, tb, M, N, K, alpha, A + a_offsets[0], B + b_offsets[0], beta, C))
      return;
  if (done_without_blas(batch, M, N, K, alpha, beta, C, N)) return;
  const Tiling t = plan_tiling(M, N, K);
  const std::int64_t tiles = t.count();
  // Small products are grouped so that each task still does about kTileWork multiply-adds.
  const auto grain = static_cast<std::int64_t>(
      std::max(1.0, std::floor(kTileWork * static_cast<double>(tiles) / product_work(M, N, K))));
  parallel_for(0, batch * tiles, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t task = begin; task < end; ++task) {
      const std::int64_t n = task / tiles, tile = task % tiles;
      const std::int64_t r0 = (tile / t.cols.count) * t.rows.block, c0 = (tile % t.cols.count) * t.cols.block;
      run_tile(ta, tb, M, N, K, alpha, A + a_offsets[n], B + b_offsets[n], beta, C + n * M * N, r0,
               std::min(M, r0 + t.rows.block), c0, std::min(N, c0 + t.cols.block));
    }
  });
}

// Element offset of each matrix of `x` ([..., R, C]) for every index of the broadcast `batch` shape.
std::vector<std::int64_t> matrix_offsets(const Shape& x, const Shape& batch) {
  const std::size_t x_batch = x.size() - 2, rank = batch.size();
  const Shape strides = contiguous_strides(x);
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(shape_numel(batch)));
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    auto rem = static_cast<std::int64_t>(i);
    std::int64_t offset = 0;
    for (std::size_t d = rank; d-- > 0;) {
      const std::int64_t index = rem % batch[d];
      rem /= batch[d];
      const std::size_t from_end = rank - d;  // x's batch dims are right-aligned with `batch`
      if (from_end <= x_batch && x[x_batch - from_end] != 1) offset += index * strides[x_batch - from_end];
    }
    offsets[i] = offset;
  }
  return offsets;
}

std::string trans_note(bool ta, bool tb) {
  if (ta && tb) return " with trans_a and trans_b";
  if (ta) return " with trans_a";
  if (tb) return " with trans_b";
  return "";
}

Tensor as_dtype(const Tensor& x, Dtype dtype) { return x.dtype() == dtype ? x : cast(x, dtype); }

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const T* A,
          const T* B, double beta, T* C) {
  const std::int64_t zero = 0;
  run_gemm<T>(trans_a, trans_b, M, N, K, alpha, A, {&zero, 1}, B, {&zero, 1}, beta, C);
}

template <class T>
void gemm_serial(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const T* A,
                 std::int64_t lda, const T* B, std::int64_t ldb, double beta, T* C, std::int64_t ldc) {
  if (done_without_blas(1, M, N, K, alpha, beta, C, ldc)) return;
  check_blas_range(lda, ldb, ldc);
  tile_kernel(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void gemm_batched(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                  const T* A, std::span<const std::int64_t> a_offsets, const T* B,
                  std::span<const std::int64_t> b_offsets, double beta, T* C) {
  run_gemm<T>(trans_a, trans_b, M, N, K, alpha, A, a_offsets, B, b_offsets, beta, C);
}

#define XG_INSTANTIATE_GEMM(T)                                                                                    \
  template void gemm<T>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const T*, const T*, double, \
                        T*);                                                                                      \
  template void gemm_serial<T>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const T*,            \
                               std::int64_t, const T*, std::int64_t, double, T*, std::int64_t);                  \
  template void gemm_batched<T>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const T*,          \
                                std::span<const std::int64_t>, const T*, std::span<const std::int64_t>, double,  \
                                T*);
XG_INSTANTIATE_GEMM(float)
XG_INSTANTIATE_GEMM(double)
XG_INSTANTIATE_GEMM(std::int64_t)
#undef XG_INSTANTIATE_GEMM

Shape matmul_shape(const char* op, const Shape& a, const Shape& b, bool trans_a, bool trans_b) {
  const auto shapes = [&] { return std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b); };
  if (a.size() < 2 || b.size() < 2)
    throw ShapeError(shapes() + ": expected two tensors with at least 2 dimensions");
  const std::size_t ra = a.size(), rb = b.size();
  const std::int64_t M = a[trans_a ? ra - 1 : ra - 2], Ka = a[trans_a ? ra - 2 : ra - 1];
  const std::int64_t Kb = b[trans_b ? rb - 1 : rb - 2], N = b[trans_b ? rb - 2 : rb - 1];
  if (Ka != Kb)
    throw ShapeError(shapes() + trans_note(trans_a, trans_b) + " are not aligned (" + std::to_string(Ka) +
                     " != " + std::to_string(Kb) + ")");
  const Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  Shape out;
  try {
    out = broadcast_shapes(batch_a, batch_b, op);
  } catch (const ShapeError&) {
    throw ShapeError(shapes() + ": batch dimensions " + shape_str(batch_a) + " and " + shape_str(batch_b) +
                     " cannot be broadcast together");
  }
  out.push_back(M);
  out.push_back(N);
  return out;
}

Tensor matmul_raw(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const char* op) {
  const Shape out_shape = matmul_shape(op, a.shape(), b.shape(), trans_a, trans_b);
  const Dtype dtype = promote(a.dtype(), b.dtype());
  const Tensor A = as_dtype(a, dtype), B = as_dtype(b, dtype);
  Tensor out = empty_tensor(out_shape, dtype);
  const std::size_t rank = out_shape.size();
  const std::int64_t N = out_shape[rank - 1], K = a.shape()[trans_a ? a.dim() - 2 : a.dim() - 1];
  std::int64_t M = out_shape[rank - 2];
  std::vector<std::int64_t> a_offsets{0}, b_offsets{0};
  if (b.dim() == 2 && !trans_a) {
    // One shared right operand: a's batch folds into the rows of a single product.
    M = shape_numel(Shape(out_shape.begin(), out_shape.end() - 1));
  } else {
    const Shape batch(out_shape.begin(), out_shape.end() - 2);
    a_offsets = matrix_offsets(A.shape(), batch);
    b_offsets = matrix_offsets(B.shape(), batch);
  }
  dispatch_all(dtype, [&]<class T>() {
    gemm_batched<T>(trans_a, trans_b, M, N, K, 1.0, A.data<T>(), a_offsets, B.data<T>(), b_offsets, 0.0,
                    out.data<T>());
  });
  return out;
}

Tensor addmm_raw(const Tensor& bias, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const char* op) {
  if (a.dim() != 2 || b.dim() != 2)
    throw ShapeError(std::string(op) + ": expected 2-d matrices, got shapes " + shape_str(a.shape()) + " and " +
                     shape_str(b.shape()));
  const Shape out_shape = matmul_shape(op, a.shape(), b.shape(), trans_a, trans_b);
  if (broadcast_shapes(bias.shape(), out_shape, op) != out_shape)
    throw ShapeError(std::string(op) + ": bias of shape " + shape_str(bias.shape()) +
                     " cannot be broadcast to the output shape " + shape_str(out_shape));
  const Dtype dtype = promote(promote(a.dtype(), b.dtype()), bias.dtype());
  const Tensor A = as_dtype(a, dtype), B = as_dtype(b, dtype);
  Tensor out = empty_tensor(out_shape, dtype);
  copy_broadcast(out, bias);
  const std::int64_t K = a.shape()[trans_a ? 0 : 1];
  dispatch_all(dtype, [&]<class T>() {
    gemm<T>(trans_a, trans_b, out_shape[0], out_shape[1], K, 1.0, A.data<T>(), B.data<T>(), 1.0, out.data<T>());
  });
  return out;
}

}  // namespace xg::kernels
