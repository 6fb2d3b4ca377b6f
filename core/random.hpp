#pragma once
// Seeded, counter-based random numbers. The global generator is a (seed, offset) pair; each
// random op takes the next block of counters and computes element i from hash(seed, offset + i),
// so results do not depend on the thread count or on how the work is split.
#include <cstdint>

namespace xg {

/// Generator state; save and restore it to reproduce a stream (checkpoints).
struct GeneratorState {
  std::uint64_t seed = 0;
  std::uint64_t offset = 0;
};

/// Reseeds the global generator (init, dropout, shuffling all draw from it).
void manual_seed(std::uint64_t seed);
GeneratorState get_rng_state();
void set_rng_state(const GeneratorState& state);

namespace random {
/// Reserves `count` counters of the global generator and returns the first (thread-safe).
GeneratorState reserve(std::uint64_t count);
/// The SplitMix64 finalizer.
inline std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/// 64 random bits for counter `i` of a reserved block. The counter advances by the golden-ratio
/// increment, not by 1 (consecutive integers through the finalizer leave correlated low bits).
inline std::uint64_t bits(const GeneratorState& block, std::uint64_t i) {
  return mix(mix(block.seed ^ 0x9e3779b97f4a7c15ULL) + (block.offset + i) * 0x9e3779b97f4a7c15ULL);
}
/// Uniform double in [0, 1) for counter i.
double uniform01(const GeneratorState& block, std::uint64_t i);
/// Standard normal for counter i (uses counters 2i and 2i+1 of the block's stream).
double normal01(const GeneratorState& block, std::uint64_t i);
}  // namespace random

}  // namespace xg
