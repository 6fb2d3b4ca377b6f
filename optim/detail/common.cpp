// Option validation messages shared by optimizers, LR schedulers and gradient clipping.
#include <xgrad/optim/detail/common.hpp>

#include <xgrad/core/error.hpp>

#include <charconv>
#include <cmath>

namespace xg::optim::detail {

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

void require_option(bool ok, const std::string& who, const std::string& option, double value,
                    const std::string& expected) {
  if (ok) return;
  throw ValueError(who + ": invalid " + option + " = " + format_number(value) + " (expected " + expected + ")");
}

}  // namespace xg::optim::detail
