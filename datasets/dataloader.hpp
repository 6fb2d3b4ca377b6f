#pragma once
// DataLoader: iterates a Dataset in batches, optionally shuffled, with batches prepared ahead on a
// background thread.
//
//   DataLoader loader(std::make_shared<TensorDataset>(x, y), {.batch_size = 64, .shuffle = true, .seed = 42});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const Batch& batch : loader) { ... batch.x [64, ...], batch.y [64, ...] ... }
//
// Epochs: every begin() runs the next epoch (0, 1, 2, ...; set_epoch chooses it). The example order
// of epoch e is a Fisher-Yates shuffle driven by the counter-based hash of (seed, e) only: it does
// not depend on thread timing, on prefetching, on how many epochs ran before, or on the global
// generator after construction. seed 0 draws a seed from the global generator when the loader is
// built (so xg::manual_seed before building it makes runs reproducible). order(e) returns it.
//
// Sampler: options.sampler replaces the loader's own choice of examples: each epoch visits
// sampler->order(epoch) (xg::distributed::DistributedSampler gives each rank its share).
//
// Prefetch: with prefetch = k > 0, a std::thread builds up to k batches ahead of the consumer, in
// order, through a bounded queue; the batches are exactly those of prefetch = 0. An exception
// thrown while building batch b reaches the consumer when it advances to b (after batches 0..b-1,
// as in synchronous mode) and ends the epoch. Leaving the loop early (break, exception) destroys
// the iterator, which stops and joins the thread. An epoch in progress owns what it needs (the
// dataset pointer and its order), so the DataLoader may be destroyed before its iterators.
// Batches are built with gradient recording off.
#include <xgrad/datasets/dataset.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

namespace xg::datasets {

/// Chooses the examples of each epoch and their order (a DataLoader hook).
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Examples per epoch.
  virtual std::int64_t size() const = 0;
  /// The size() examples of `epoch`, in visiting order (indices into the dataset).
  virtual std::vector<std::int64_t> order(std::int64_t epoch) const = 0;
};

/// The loader's seeded shuffle: a permutation of 0..n-1 that depends only on (seed, epoch).
std::vector<std::int64_t> shuffled_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch);

struct DataLoaderOptions {
  /// Examples per batch (>= 1).
  std::int64_t batch_size = 32;
  /// Visit the examples in a new random order every epoch (else 0, 1, 2, ...).
  bool shuffle = false;
  /// Skip the last batch when it is smaller than batch_size.
  bool drop_last = false;
  /// Shuffle seed; 0 draws one from the global generator (xg::manual_seed) at construction.
  std::uint64_t seed = 0;
  /// Batches built ahead on a background thread; 0 builds each batch when the loop advances.
  int prefetch = 2;
  /// Chooses each epoch's examples instead of shuffle (which must then be false).
  std::shared_ptr<const Sampler> sampler;
};

namespace detail {
class EpochRun;
}

class DataLoader {
 public:
  /// Marks the end of an epoch.
  struct Sentinel {};

  /// Input iterator over one epoch's batches. Copies share the same position.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch*;
    using reference = const Batch&;

    Iterator() = default;
    const Batch& operator*() const;
    const Batch* operator->() const { return &**this; }
    /// Moves to the next batch; rethrows an exception raised while building it.
    Iterator& operator++();
    void operator++(int) { ++*this; }
    /// Position of the current batch in the epoch.
    std::int64_t index() const;
    friend bool operator==(const Iterator& it, Sentinel) { return it.done(); }

   private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<detail::EpochRun> run) : run_(std::move(run)) {}
    bool done() const;
    std::shared_ptr<detail::EpochRun> run_;
  };

  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  /// Takes a dataset by value: `DataLoader loader(TensorDataset(x, y), {.batch_size = 64});`
  template <class D>
    requires std::derived_from<D, Dataset>
  explicit DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const D>(std::move(dataset)), options) {}

  /// Starts epoch epoch() (builds its first batch) and advances the epoch counter.
  Iterator begin();
  Sentinel end() const { return {}; }

  /// Batches per epoch: ceil(N / batch_size), or floor with drop_last (N: the sampler's size
  /// when there is one).
  std::int64_t size() const;
  /// The epoch the next begin() runs (>= 0).
  void set_epoch(std::int64_t epoch);
  std::int64_t epoch() const { return epoch_; }
  /// The seed in use (drawn from the global generator when options.seed was 0).
  std::uint64_t seed() const { return seed_; }
  /// The example order of `epoch`: a permutation of 0..N-1 (identity without shuffle), or the
  /// sampler's order.
  std::vector<std::int64_t> order(std::int64_t epoch) const;

  const DataLoaderOptions& options() const { return options_; }
  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }

 private:
  /// The sampler's order of `epoch`, checked (size, index range).
  std::vector<std::int64_t> checked_sampler_order(std::int64_t epoch) const;

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::uint64_t seed_ = 0;
  std::int64_t epoch_ = 0;
};

}  // namespace xg::datasets
