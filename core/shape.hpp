#pragma once
// Shapes, contiguous strides and NumPy broadcasting rules.
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace xg {

/// Dimensions of a tensor, outermost first. A 0-d (scalar) tensor has an empty shape.
using Shape = std::vector<std::int64_t>;

/// Product of the dimensions (1 for a scalar shape).
std::int64_t shape_numel(const Shape& shape);
/// Row-major (C-contiguous) strides in elements.
Shape contiguous_strides(const Shape& shape);
/// "[2, 3]" for error messages and printing.
std::string shape_str(const Shape& shape);
/// Result of broadcasting two shapes by NumPy rules; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Wraps a possibly negative axis into [0, rank); throws naming `op` when out of range.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank, const char* op);
/// Normalized, sorted, duplicate-checked axes; an empty list means every axis.
std::vector<std::int64_t> normalize_axes(const std::vector<std::int64_t>& axes, std::int64_t rank,
                                         const char* op);

std::ostream& operator<<(std::ostream& os, const Shape& shape);

}  // namespace xg
