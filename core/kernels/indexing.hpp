#pragma once
// Internal indexing kernels on raw contiguous buffers (no autograd): strided slices and their
// adjoint, concatenation, index_select / index_add and gather / scatter_add.
//
// Every kernel views a tensor around the axis it works on as [outer, size, inner] (outer = product
// of the dims before the axis, inner = product of the dims after it), so an axis position is a
// block of `inner` contiguous elements. Axes must already be normalized (0 <= axis < rank).
//
// The kernels validate everything that guards memory (index dtype, ranks, shapes, every index
// value) before touching data, and throw IndexError / ShapeError / DtypeError naming `op`: they
// never read or write out of bounds. Accumulating kernels (index_add, scatter_add) split the work
// only over disjoint output regions and add the contributions to one element in index order, so
// their results are bitwise identical at any thread count.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <vector>

namespace xg::kernels {

/// Positions start, start + step, ... (count of them) along one axis; start and step are
/// assumed valid (the caller normalized them: start + (count - 1) * step < size).
struct AxisRange {
  std::int64_t start = 0;
  std::int64_t step = 1;
  std::int64_t count = 0;
};

/// Contiguous copy of x at positions `range` along `axis`: out.shape[axis] = range.count.
Tensor slice(const Tensor& x, std::int64_t axis, AxisRange range);
/// The adjoint of slice: zeros of `shape` (x's dtype) with x written at positions `range` along
/// `axis`. x.shape must equal `shape` with shape[axis] replaced by range.count.
Tensor slice_scatter_zeros(const Tensor& x, const Shape& shape, std::int64_t axis, AxisRange range);

/// Joins `tensors` along `axis`: same dtype, same rank, equal sizes on every other axis.
/// Throws ValueError on an empty list; `op` names the caller in messages.
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis, const char* op);

/// out = x at rows index[i] along `axis` (index: 1-d int64, 0 <= index[i] < x.shape[axis]).
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op);
/// out = self with src[..., i, ...] added at row index[i] along `axis` (repeats accumulate in
/// index order). src.shape = self.shape with src.shape[axis] = index.numel().
Tensor index_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src, const char* op);

/// PyTorch gather: out.shape = index.shape and, for axis 1 of a 3-d tensor,
/// out[i][j][k] = x[i][index[i][j][k]][k]. index: int64, same rank as x, index.shape[d] <= x.shape[d]
/// for every d != axis.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index, const char* op);
/// The adjoint of gather: out = self, then out[i][index[i][j][k]][k] += src[i][j][k] (axis 1).
/// src.shape must equal index.shape; index.shape[d] <= self.shape[d] for every d != axis.
Tensor scatter_add(const Tensor& self, std::int64_t axis, const Tensor& index, const Tensor& src, const char* op);

}  // namespace xg::kernels
