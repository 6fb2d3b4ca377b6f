#include <xgrad/core/random.hpp>

#include <cmath>
#include <mutex>
#include <numbers>

namespace xg {
namespace {

std::mutex rng_mutex;
GeneratorState global_state{5489, 0};

}  // namespace

void manual_seed(std::uint64_t seed) {
  std::lock_guard lock(rng_mutex);
  global_state = {seed, 0};
}

GeneratorState get_rng_state() {
  std::lock_guard lock(rng_mutex);
  return global_state;
}

void set_rng_state(const GeneratorState& state) {
  std::lock_guard lock(rng_mutex);
  global_state = state;
}

namespace random {

GeneratorState reserve(std::uint64_t count) {
  std::lock_guard lock(rng_mutex);
  GeneratorState block = global_state;
  global_state.offset += 2 * count;  // normal01 uses two counters per element
  return block;
}

double uniform01(const GeneratorState& block, std::uint64_t i) {
  return static_cast<double>(bits(block, 2 * i) >> 11) * 0x1.0p-53;
}

double normal01(const GeneratorState& block, std::uint64_t i) {
  // Box-Muller on two independent uniforms; u1 in (0, 1] keeps the log finite.
  const double u1 = 1.0 - static_cast<double>(bits(block, 2 * i) >> 11) * 0x1.0p-53;
  const double u2 = static_cast<double>(bits(block, 2 * i + 1) >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace random
}  // namespace xg
