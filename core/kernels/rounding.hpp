#pragma once
// Integer rounding for sizes, tiles and padded strides (internal to the kernels).
#include <cstdint>

namespace xg::kernels {

/// a / b rounded up, for a >= 0 and b > 0.
constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
/// a rounded up to a multiple of m, for a >= 0 and m > 0.
constexpr std::int64_t round_up(std::int64_t a, std::int64_t m) { return ceil_div(a, m) * m; }

}  // namespace xg::kernels
