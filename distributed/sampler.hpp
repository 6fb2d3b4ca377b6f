#pragma once
// DistributedSampler — each rank's share of every epoch, for a DataLoader (datasets::Sampler):
//
//   auto sampler = std::make_shared<xg::distributed::DistributedSampler>(
//       data->size(), xg::distributed::DistributedSamplerOptions{.batch_size = 64, .seed = 42});
//   xg::datasets::DataLoader loader(data, {.batch_size = 64, .sampler = sampler});
//
// Epoch e is the loader's seeded shuffle of (seed, e) (datasets::shuffled_order), the same on every
// rank, cut into global batches of batch_size x world_size examples; rank r takes the r-th of
// world_size near-equal contiguous pieces of each global batch (shard()). So step s of all ranks
// together covers exactly global batch s: with averaged gradients, W ranks x batch B train as one
// process with batch W x B. Every rank gets the same number of batches: the epoch is padded to a
// multiple of world_size by repeating its first examples (as PyTorch's DistributedSampler), or
// the last incomplete global batch is dropped with drop_last.
#include <xgrad/datasets/dataloader.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace xg::distributed {

struct DistributedSamplerOptions {
  /// Examples per rank per step: give the DataLoader the same batch_size.
  std::int64_t batch_size = 32;
  /// Shuffle every epoch (else the dataset order).
  bool shuffle = true;
  /// Shuffle seed; 0: rank 0 draws one from its global generator and broadcasts it (collective).
  std::uint64_t seed = 0;
  /// Drop the last global batch when it is incomplete (else pad it).
  bool drop_last = false;
  /// This rank and the number of ranks; -1: those of the running job.
  int rank = -1;
  int world_size = -1;
};

class DistributedSampler : public datasets::Sampler {
 public:
  DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options = {});

  /// This rank's examples per epoch.
  std::int64_t size() const override;
  /// This rank's examples of `epoch`, in training order.
  std::vector<std::int64_t> order(std::int64_t epoch) const override;
  std::uint64_t seed() const { return seed_; }

  /// Rank `rank`'s piece [first, last) of the global batch [begin, end): the rank-th of
  /// world_size near-equal contiguous pieces (sizes differ by at most one; may be empty).
  static std::pair<std::int64_t, std::int64_t> shard(std::int64_t begin, std::int64_t end, int rank, int world_size);

 private:
  std::int64_t n_;
  DistributedSamplerOptions options_;
  std::uint64_t seed_;
};

}  // namespace xg::distributed
