#pragma once
// Internal matrix-multiplication kernels (no autograd) on row-major data.
//
// Large float products run on xgrad's own register-blocked kernels when the CPU has AVX-512 and
// they are measured faster (gemm_blocked.hpp); everything else goes to BLAS as follows.
// float and double go to OpenBLAS (cblas_sgemm / cblas_dgemm with CblasRowMajor and the transpose
// flags: a transposed operand is read in place, never copied). OpenBLAS itself runs on one thread;
// parallelism comes from xg::parallel_for: a large product is cut into tiles of C (blocks of rows,
// or of columns when C is wide) whose boundaries depend only on M, N and K, and each tile is one
// BLAS call. Every element of C is therefore computed by exactly one call whose inputs do not
// depend on the thread count: results are bitwise identical at any number of threads. A batch of
// small products runs in parallel over the batch instead. int64 uses a plain loop kernel.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <span>

namespace xg::kernels {

/// C = alpha * op(A) op(B) + beta * C, all row-major and contiguous, where op(X) is X or X^T.
/// op(A) is [M, K] (A is stored [M, K], or [K, M] when trans_a), op(B) is [K, N] (B is stored
/// [K, N], or [N, K] when trans_b), C is [M, N]. When beta == 0, C is not read (it may hold garbage).
/// Defined for T = float, double (BLAS) and std::int64_t (loop kernel).
template <class T>
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const T* A,
          const T* B, double beta, T* C);

/// The same product computed on the calling thread as one BLAS call (no tiling, no tasks): for
/// callers that already run in parallel over independent products (convolution over images, the
/// Winograd products over transform points). Same contract as gemm, except that rows of A, B and C
/// are lda, ldb and ldc elements apart (row-major leading dimensions, >= the stored row length).
template <class T>
void gemm_serial(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                 const T* A, std::int64_t lda, const T* B, std::int64_t ldb, double beta, T* C, std::int64_t ldc);

/// `batch` independent products C[i] = alpha * op(A_i) op(B_i) + beta * C[i]: A_i starts at
/// A + a_offsets[i], B_i at B + b_offsets[i] (repeated offsets broadcast one matrix over the
/// batch), and C is contiguous [batch, M, N]. Parallel over the batch when the matrices are small,
/// over tiles of each product when they are large.
template <class T>
void gemm_batched(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                  const T* A, std::span<const std::int64_t> a_offsets, const T* B,
                  std::span<const std::int64_t> b_offsets, double beta, T* C);

/// Shape of op(a) @ op(b) for tensors of rank >= 2 whose leading (batch) dimensions broadcast like
/// torch.matmul: [..., M, N]. Throws ShapeError naming `op` and both shapes when the ranks are too
/// small, the inner dimensions differ or the batch dimensions do not broadcast.
Shape matmul_shape(const char* op, const Shape& a, const Shape& b, bool trans_a, bool trans_b);

/// op(a) @ op(b) as a fresh tensor of shape matmul_shape(op, ...): a and b have rank >= 2; a 2-d
/// operand or a size-1 batch dimension is broadcast over the other's batch without copying.
/// Mixed dtypes are promoted (float64 > float32 > int64). `op` names the caller in errors.
Tensor matmul_raw(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const char* op = "matmul");

/// bias + op(a) @ op(b) for 2-d a and b, bias broadcast to [M, N] (e.g. a [N] row vector): C is
/// filled with the bias, then one GEMM accumulates into it (beta = 1).
Tensor addmm_raw(const Tensor& bias, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b,
                 const char* op = "addmm");

}  // namespace xg::kernels
