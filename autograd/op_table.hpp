#pragma once
// The op table: one row per differentiable op (or per interesting case of one), registered next to
// the op's definition in autograd/ops/<family>.cpp. The test suite runs gradcheck (and
// gradgradcheck where the row claims second derivatives) over every row, so a new op is tested by
// adding its row:
//
//   static const autograd::OpTableRegistrar rows({
//       {.name = "exp", .shapes = {{-1, -2}}, .fn = [](const auto& x) { return exp(x[0]); }},
//       {.name = "add/broadcast", .shapes = {{-1, -2}, {-2}}, .fn = [](const auto& x) { return x[0] + x[1]; }},
//   });
//
// A negative entry -k in a shape is a random size (2..4) drawn per test run and shared by every
// entry -k of the row, which yields random shapes with consistent broadcasting.
#include <xgrad/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace xg::autograd {

/// Where a row's random inputs are drawn from (to avoid kinks, poles and ties).
enum class Domain {
  Real,          ///< uniform in [-2, 2]
  Positive,      ///< uniform in [0.5, 2]
  AwayFromZero,  ///< |x| in [0.3, 2], random sign
  Unit,          ///< uniform in [-0.9, 0.9]
  Distinct,      ///< a shuffled grid of values >= 0.1 apart (max/min/sort without ties)
};

struct OpCase {
  std::string name;          ///< "op" or "op/variant"; the op is the part before '/'
  std::vector<Shape> shapes;  ///< one shape per float64 input
  Domain domain = Domain::Real;
  double atol = 1e-5;
  double rtol = 1e-3;
  bool gradgrad = true;  ///< the op claims second derivatives
  std::function<Tensor(const std::vector<Tensor>&)> fn;
};

/// Every registered row.
const std::vector<OpCase>& op_table();

/// Registers rows from a static initializer.
struct OpTableRegistrar {
  explicit OpTableRegistrar(std::vector<OpCase> rows);
};

/// The shapes of a row with its random sizes drawn from `seed`.
std::vector<Shape> resolve_shapes(const OpCase& row, std::uint64_t seed);
/// Random float64 inputs that require grad, drawn from the row's domain.
std::vector<Tensor> make_inputs(const OpCase& row, std::uint64_t seed);
/// Distinct op names (part of the row names before '/').
std::vector<std::string> op_names();

}  // namespace xg::autograd
