#pragma once
// Element types of xgrad tensors: float32 (default), float64 (gradient checks), int64 (labels, indices).
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace xg {

enum class Dtype : std::uint8_t { Float32, Float64, Int64 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;

/// Size of one element in bytes.
std::size_t element_size(Dtype dtype);
/// "float32", "float64" or "int64".
std::string_view dtype_name(Dtype dtype);
/// True for float32 and float64.
inline bool is_floating(Dtype dtype) { return dtype != Dtype::Int64; }
/// The dtype two operands are computed in (float64 > float32 > int64), as in NumPy.
Dtype promote(Dtype a, Dtype b);

std::ostream& operator<<(std::ostream& os, Dtype dtype);

/// Maps a C++ element type to its Dtype: dtype_of<float> == Dtype::Float32.
template <class T> inline constexpr Dtype dtype_of = Dtype::Float32;
template <> inline constexpr Dtype dtype_of<double> = Dtype::Float64;
template <> inline constexpr Dtype dtype_of<std::int64_t> = Dtype::Int64;

}  // namespace xg
