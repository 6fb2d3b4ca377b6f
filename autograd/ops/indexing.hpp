#pragma once
// Differentiable indexing and joining: slices, row selection, gather / scatter and concatenation.
//
// Every op takes its axis first after the tensor (negative axes count from the end). Index
// tensors are int64 and never differentiated. Out-of-range positions, wrong index dtypes or ranks
// and mismatched shapes throw IndexError / DtypeError / ShapeError naming the op, the offending
// value or shape and the valid range. Each op's backward is written with the ops of this file
// (slice <-> slice_backward, index_select <-> index_add, gather <-> scatter_add), so second
// derivatives work.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <vector>

namespace xg {

/// x[..., start:end:step] on `axis`, with Python rules: negative start/end count from the end,
/// both are clamped to [0, size], an empty range gives size 0; step must be positive.
/// out.shape[axis] = ceil((end - start) / step). With step 1 and a contiguous result (axis 0, or
/// every axis before `axis` of size 1, or the full axis) the result is a zero-copy view sharing
/// x's storage; otherwise a contiguous copy. Backward: slice_backward.
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step = 1);

/// The adjoint of slice: zeros of `input_shape` with `grad` written at the positions that
/// slice(input, axis, start, end, step) reads. grad.shape must be that slice's shape.
/// Backward: slice(grad_output, axis, start, end, step).
Tensor slice_backward(const Tensor& grad, const Shape& input_shape, std::int64_t axis, std::int64_t start,
                      std::int64_t end, std::int64_t step = 1);

/// `length` positions of `axis` from `start` (negative start counts from the end):
/// slice(x, axis, start, start + length). Unlike slice, the range must fit: 0 <= start and
/// start + length <= size after wrapping, else IndexError.
Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length);

/// Position `index` of `axis` (negative counts from the end), with that axis dropped:
/// out.shape = x.shape without axis. A view along axis 0 (`x[i]` is select(x, 0, i)).
Tensor select(const Tensor& x, std::int64_t axis, std::int64_t index);

/// Rows `index[i]` of `axis`: out.shape = x.shape with shape[axis] = index.numel(), and for axis 0
/// out[i] = x[index[i]]. index: 1-d int64, 0 <= index[i] < x.shape[axis] (repeats allowed).
/// Backward: index_add into zeros of x's shape.
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);

/// self with src accumulated at rows `index` of `axis`: for axis 0, out = self then
/// out[index[i]] += src[i] (repeated indices add up, in index order). index: 1-d int64;
/// src.shape = self.shape with shape[axis] = index.numel(). Backward: d/dself = grad,
/// d/dsrc = index_select(grad, axis, index).
Tensor index_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src);

/// Values of x picked along `axis` by `index` (PyTorch gather): out.shape = index.shape and, for
/// a 2-d x, out[i][j] = x[index[i][j]][j] (axis 0) or x[i][index[i][j]] (axis 1). index: int64, the
/// rank of x, index.shape[d] <= x.shape[d] for d != axis. Cross-entropy picks the log-probability of
/// each label with gather(logp [N, C], 1, labels [N, 1]). Backward: scatter_add into zeros.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);

/// The adjoint of gather: out = self, then for a 2-d self out[index[i][j]][j] += src[i][j] (axis 0)
/// or out[i][index[i][j]] += src[i][j] (axis 1); repeats add up in index order, bitwise
/// reproducibly. index: int64 with self's rank, index.shape[d] <= self.shape[d] for d != axis;
/// src.shape = index.shape. Backward: d/dself = grad, d/dsrc = gather(grad, axis, index).
Tensor scatter_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src);

/// Joins tensors along an existing `axis`: same dtype and rank, equal sizes on the other axes;
/// out.shape[axis] = sum of the inputs' sizes. Backward: each input gets its slice of the gradient.
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis = 0);
/// Alias of concat.
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t axis = 0);

/// Joins equal-shaped tensors along a new `axis` (in [-rank-1, rank]): out.shape = shape with
/// tensors.size() inserted at axis. Composed of unsqueeze and concat.
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t axis = 0);

/// Cuts `axis` into pieces of `size` positions (the last may be shorter); each piece is a slice
/// (a view along axis 0). An axis of size 0 gives one empty piece.
std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t axis = 0);

/// Cuts `axis` into at most `chunks` pieces of ceil(size / chunks) positions (the last may be
/// shorter, fewer pieces when the axis is short), like torch.chunk. Built from split.
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis = 0);

}  // namespace xg
