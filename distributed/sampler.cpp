// DistributedSampler (see sampler.hpp): the epoch order, padded or cut to whole pieces, then this
// rank's piece of every global batch.
#include <xgrad/distributed/sampler.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/core/random.hpp>
#include <xgrad/distributed/runtime.hpp>

#include <algorithm>
#include <numeric>

namespace xg::distributed {

DistributedSampler::DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options)
    : n_(dataset_size), options_(options) {
  if (n_ < 0) throw ValueError("DistributedSampler: dataset_size must be >= 0, got " + std::to_string(n_));
  if (options_.batch_size < 1)
    throw ValueError("DistributedSampler: batch_size must be >= 1, got " + std::to_string(options_.batch_size));
  if (options_.world_size < 0) options_.world_size = world_size();
  if (options_.rank < 0) options_.rank = rank();
  if (options_.world_size < 1 || options_.rank >= options_.world_size)
    throw ValueError("DistributedSampler: rank " + std::to_string(options_.rank) + " is not in a world of " +
                     std::to_string(options_.world_size) + " ranks (expected 0 <= rank < world_size)");
  seed_ = options_.seed;
  if (seed_ == 0) {
    seed_ = random::bits(random::reserve(1), 0) | 1;
    broadcast_value(seed_);
  }
}

std::int64_t DistributedSampler::size() const {
  const std::int64_t world = options_.world_size, global = options_.batch_size * world;
  return options_.drop_last ? n_ / global * options_.batch_size : (n_ + world - 1) / world;
}

std::vector<std::int64_t> DistributedSampler::order(std::int64_t epoch) const {
  std::vector<std::int64_t> all;
  if (options_.shuffle) {
    all = datasets::shuffled_order(n_, seed_, epoch);
  } else {
    all.resize(static_cast<std::size_t>(n_));
    std::iota(all.begin(), all.end(), 0);
  }
  const std::int64_t world = options_.world_size, global = options_.batch_size * world;
  const std::int64_t total = options_.drop_last ? n_ / global * global : (n_ + world - 1) / world * world;
  for (std::int64_t i = n_; i < total; ++i) all.push_back(all[static_cast<std::size_t>(i % n_)]);  // padding
  std::vector<std::int64_t> mine;
  mine.reserve(static_cast<std::size_t>(size()));
  for (std::int64_t begin = 0; begin < total; begin += global) {
    const auto [first, last] = shard(begin, std::min(total, begin + global), options_.rank, options_.world_size);
    mine.insert(mine.end(), all.begin() + first, all.begin() + last);
  }
  return mine;
}

std::pair<std::int64_t, std::int64_t> DistributedSampler::shard(std::int64_t begin, std::int64_t end, int rank,
                                                                int world_size) {
  const std::int64_t m = end - begin;
  return {begin + m * rank / world_size, begin + m * (rank + 1) / world_size};
}

}  // namespace xg::distributed
