#pragma once
// Internal: iteration plan for elementwise kernels over broadcast operands.
// The output shape is collapsed (adjacent dims merged wherever every operand is contiguous or
// broadcast across the boundary), so the common cases run as one flat loop, a scalar loop or
// rows of a contiguous inner loop. Kernels visit rows; each row has an inner length and, per
// operand, a start offset and an inner stride of 0 (broadcast) or 1.
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/shape.hpp>

#include <array>
#include <cstdint>

namespace xg::kernels {

template <std::size_t N> class BroadcastPlan {
 public:
  /// `in_shapes` are the operands' shapes; `out_shape` their broadcast shape.
  BroadcastPlan(const Shape& out_shape, const std::array<const Shape*, N>& in_shapes) {
    const std::size_t rank = out_shape.size();
    std::array<Shape, N> strides;
    for (std::size_t k = 0; k < N; ++k) {
      const Shape& s = *in_shapes[k];
      Shape full(rank, 1);
      for (std::size_t i = 0; i < s.size(); ++i) full[rank - s.size() + i] = s[i];
      const Shape cs = contiguous_strides(full);
      strides[k].resize(rank);
      for (std::size_t i = 0; i < rank; ++i) strides[k][i] = full[i] == 1 ? 0 : cs[i];
    }
    // Merge dimension i into i+1 while every operand stays linear across the boundary.
    for (std::size_t i = 0; i < rank; ++i) {
      if (out_shape[i] == 1) continue;
      if (!shape_.empty()) {
        bool mergeable = true;
        for (std::size_t k = 0; k < N; ++k)
          if (strides_[k].back() != strides[k][i] * out_shape[i]) mergeable = false;
        if (mergeable) {
          shape_.back() *= out_shape[i];
          for (std::size_t k = 0; k < N; ++k) strides_[k].back() = strides[k][i];
          continue;
        }
      }
      shape_.push_back(out_shape[i]);
      for (std::size_t k = 0; k < N; ++k) strides_[k].push_back(strides[k][i]);
    }
    numel_ = shape_numel(out_shape);
    inner_ = shape_.empty() ? 1 : shape_.back();
    rows_ = inner_ == 0 ? 0 : numel_ / inner_;
    for (std::size_t k = 0; k < N; ++k) inner_stride_[k] = shape_.empty() ? 0 : strides_[k].back();
  }

  std::int64_t numel() const { return numel_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t inner() const { return inner_; }
  std::int64_t inner_stride(std::size_t k) const { return inner_stride_[k]; }

  /// Calls fn(row_offsets, out_offset) for every row, in parallel; offsets are in elements.
  template <class F> void for_each_row(F&& fn) const {
    const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(inner_, 1));
    const std::size_t outer_rank = shape_.empty() ? 0 : shape_.size() - 1;
    parallel_for(0, rows_, grain, [&](std::int64_t r0, std::int64_t r1) {
      std::array<std::int64_t, N> offs;
      for (std::int64_t r = r0; r < r1; ++r) {
        offs.fill(0);
        std::int64_t rem = r;
        for (std::size_t d = outer_rank; d-- > 0;) {
          const std::int64_t idx = rem % shape_[d];
          rem /= shape_[d];
          for (std::size_t k = 0; k < N; ++k) offs[k] += idx * strides_[k][d];
        }
        fn(offs, r * inner_);
      }
    });
  }

 private:
  Shape shape_;
  std::array<Shape, N> strides_;
  std::array<std::int64_t, N> inner_stride_{};
  std::int64_t numel_ = 0, inner_ = 1, rows_ = 0;
};

}  // namespace xg::kernels
