#pragma once
// Differentiable matrix products. mm is the one primitive (a GEMM with transpose flags, so neither
// forward nor backward ever copies a transposed matrix); matmul, dot and outer are composed from it
// with reshapes, and linear is fused (one GEMM accumulating onto the bias).
#include <xgrad/core/activation.hpp>
#include <xgrad/core/tensor.hpp>

namespace xg {

/// op(a) @ op(b), where op(x) is x, or x with its last two axes swapped when the flag is set.
/// Shapes: op(a) [..., M, K], op(b) [..., K, N] -> [..., M, N]; both have rank >= 2 (2-d matrices
/// or batches of them, typically [B, M, K]); batch dims broadcast like torch.matmul (a 2-d operand
/// or a size-1 batch dim is shared by every product, without copying).
/// Backward for C = A B: dA = G B^T = mm(G, B, false, true), dB = A^T G = mm(A, G, true, false);
/// for C = A B^T: dA = mm(G, B), dB = mm(G, A, true, false); for C = A^T B: dA = mm(B, G, false, true),
/// dB = mm(A, G); for C = A^T B^T: dA = mm(B, G, true, true), dB = mm(G, A, true, true).
Tensor mm(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

/// Matrix product with torch.matmul semantics:
///   [K] x [K] -> [] (dot), [M, K] x [K] -> [M], [K] x [K, N] -> [N], [M, K] x [K, N] -> [M, N],
///   [..., M, K] x [..., K, N] -> [..., M, N] with broadcast batch dims; a 1-d operand is treated as
///   a row (left) or column (right) vector whose axis is removed from the result.
/// An N-d tensor times a 2-d matrix is one GEMM over all rows. Throws ShapeError naming both shapes,
/// e.g. "matmul: shapes [2, 3] and [4, 5] are not aligned (3 != 4)".
Tensor matmul(const Tensor& a, const Tensor& b);

/// Fully connected layer y = x W^T + b (PyTorch layout): x [..., in], weight [out, in], bias [out]
/// or undefined -> y [..., out]. One GEMM with W read transposed in place, accumulated onto the bias.
/// Backward: dx = G W, dW = G^T x (over all rows of x), db = sum of G over the rows.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

/// act(x W^T + b) as one node: the activation is applied in place to the product's output, and
/// backward first forms G' = G * act'(.) from the saved output (one pass), then proceeds as linear
/// with G'. Same shapes and errors as linear; Activation::Identity is plain linear.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Activation act);

/// Inner product of two 1-d tensors of the same length: sum_i a_i b_i -> 0-d tensor.
Tensor dot(const Tensor& a, const Tensor& b);

/// Outer product of two 1-d tensors: [M] x [N] -> [M, N], out_ij = a_i b_j.
Tensor outer(const Tensor& a, const Tensor& b);

}  // namespace xg
