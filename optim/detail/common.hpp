#pragma once
// Internal helpers of the optim layer: option validation with uniform messages, and the parallel
// elementwise loop every optimizer update runs on raw parameter buffers.
#include <xgrad/core/parallel.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace xg::optim::detail {

/// Throws ValueError "<who>: invalid <option> = <value> (expected <expected>)" unless `ok`.
void require_option(bool ok, const std::string& who, const std::string& option, double value,
                    const std::string& expected);

/// Shortest round-trip text of a number for messages: "0.001", "1e-08", "inf", "nan".
std::string format_number(double value);

/// Elements per parallel chunk of an optimizer update (a few microseconds of work).
inline constexpr std::int64_t kUpdateGrain = 1 << 14;

/// Runs fn(begin, end) over [0, n) in parallel, in fixed chunks of kUpdateGrain elements whose
/// boundaries do not depend on the thread count (updates are bitwise reproducible).
inline void for_each_chunk(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn) {
  parallel_chunks(n, kUpdateGrain, [&](std::int64_t, std::int64_t begin, std::int64_t end) { fn(begin, end); });
}

/// The gradient with the L2 penalty folded in, g + weight_decay * p (just g when weight_decay is 0,
/// as PyTorch, so an infinite parameter does not turn the gradient into NaN).
template <class T> inline T with_weight_decay(T g, T p, T weight_decay) {
  return weight_decay != T(0) ? g + weight_decay * p : g;
}

}  // namespace xg::optim::detail
