// DataLoader: batch counts and sizes, shuffling that depends only on (seed, epoch), prefetching
// that delivers exactly the synchronous batches, clean shutdown on early exit, exceptions carried
// from the prefetch thread to the loop.
#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <xgrad/datasets/dataloader.hpp>
#include <xgrad/xgrad.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ds = xg::datasets;
namespace tt = boost::test_tools;
using I64 = std::vector<std::int64_t>;

namespace {

// x [n, 3] with row i = (i, i, i); y [n] = i: the batch's y lists the example indices it holds.
std::shared_ptr<ds::TensorDataset> indexed(std::int64_t n) {
  xg::Tensor y = xg::arange(0, static_cast<double>(n), 1, {.dtype = xg::kInt64});
  xg::Tensor x = xg::zeros({n, 3}) + y.to(xg::kFloat32).reshape({n, 1});
  return std::make_shared<ds::TensorDataset>(x, y);
}

// The example indices of every batch of one epoch.
std::vector<I64> epoch_batches(ds::DataLoader& loader) {
  std::vector<I64> out;
  for (const ds::Batch& b : loader) out.push_back(b.y.to_vector<std::int64_t>());
  return out;
}

I64 concat(const std::vector<I64>& batches) {
  I64 all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

// Counts get_batch calls, records the calling thread, and throws on batch `fail_at` (if >= 0).
struct Probe : ds::TensorDataset {
  mutable std::atomic<int> calls{0};
  mutable std::atomic<bool> off_main_thread{false};
  std::thread::id main_thread = std::this_thread::get_id();
  std::int64_t fail_at;
  Probe(std::int64_t n, std::int64_t fail_at_) : ds::TensorDataset(*indexed(n)), fail_at(fail_at_) {}
  ds::Batch get_batch(const I64& indices) const override {
    const int call = calls++;
    if (std::this_thread::get_id() != main_thread) off_main_thread = true;
    if (call == fail_at) throw std::runtime_error("probe failure in batch " + std::to_string(call));
    return ds::TensorDataset::get_batch(indices);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dataloader)

BOOST_AUTO_TEST_CASE(batch_count_and_sizes) {
  auto data = indexed(10);
  ds::DataLoader loader(data, {.batch_size = 3});
  BOOST_TEST(loader.size() == 4);
  const auto batches = epoch_batches(loader);
  BOOST_TEST(batches.size() == 4u);
  BOOST_TEST(concat(batches) == (I64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), tt::per_element());
  BOOST_TEST(batches.back() == (I64{9}), tt::per_element());

  ds::DataLoader dropping(data, {.batch_size = 3, .drop_last = true});
  BOOST_TEST(dropping.size() == 3);
  const auto kept = epoch_batches(dropping);
  BOOST_TEST(kept.size() == 3u);
  for (const auto& b : kept) BOOST_TEST(b.size() == 3u);

  // Shapes: x [B, 3] with row = example index; exact division; a batch larger than the dataset.
  for (const ds::Batch& b : ds::DataLoader(data, {.batch_size = 5})) {
    BOOST_TEST(b.x.shape() == (xg::Shape{5, 3}));
    BOOST_TEST(b.x.to_vector<double>()[3] == static_cast<double>(b.y.to_vector<std::int64_t>()[1]));
  }
  ds::DataLoader big(data, {.batch_size = 64, .drop_last = true});
  BOOST_TEST(big.size() == 0);
  BOOST_TEST((big.begin() == big.end()));
  BOOST_TEST(epoch_batches(*std::make_unique<ds::DataLoader>(data, ds::DataLoaderOptions{.batch_size = 64})).size() == 1u);
}

BOOST_AUTO_TEST_CASE(options_are_validated) {
  auto data = indexed(4);
  BOOST_CHECK_EXCEPTION(ds::DataLoader(data, {.batch_size = 0}), xg::ValueError, [](const xg::ValueError& e) {
    return std::string(e.what()) == "DataLoader: batch_size must be >= 1, got 0";
  });
  BOOST_CHECK_THROW(ds::DataLoader(data, {.prefetch = -1}), xg::ValueError);
  BOOST_CHECK_THROW(ds::DataLoader(std::shared_ptr<ds::Dataset>(), {}), xg::ValueError);
  ds::DataLoader loader(data);
  BOOST_CHECK_THROW(loader.set_epoch(-1), xg::ValueError);
}

BOOST_AUTO_TEST_CASE(shuffle_depends_only_on_seed_and_epoch) {
  auto data = indexed(100);
  ds::DataLoader a(data, {.batch_size = 7, .shuffle = true, .seed = 42});
  ds::DataLoader b(data, {.batch_size = 7, .shuffle = true, .seed = 42, .prefetch = 0});
  const auto a0 = concat(epoch_batches(a)), a1 = concat(epoch_batches(a));
  const auto b0 = concat(epoch_batches(b));
  BOOST_TEST(a0 == b0, tt::per_element());  // same seed, same epoch: same order
  BOOST_TEST(a0 != a1);                     // next epoch: a new order
  I64 identity(100);
  std::iota(identity.begin(), identity.end(), 0);
  BOOST_TEST(a0 != identity);
  for (const auto& order : {a0, a1}) {  // every example exactly once per epoch
    I64 sorted = order;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST(sorted == identity, tt::per_element());
  }
  BOOST_TEST(a.order(1) == a1, tt::per_element());
  b.set_epoch(1);  // skipping straight to epoch 1 gives the epoch-1 order
  BOOST_TEST(concat(epoch_batches(b)) == a1, tt::per_element());
  BOOST_TEST(b.epoch() == 2);

  ds::DataLoader other_seed(data, {.batch_size = 7, .shuffle = true, .seed = 43});
  BOOST_TEST(concat(epoch_batches(other_seed)) != a0);
  ds::DataLoader plain(data, {.batch_size = 7});
  BOOST_TEST(concat(epoch_batches(plain)) == identity, tt::per_element());
  BOOST_TEST(concat(epoch_batches(plain)) == identity, tt::per_element());

  // seed 0 draws from the global generator at construction: manual_seed makes it reproducible.
  xg::manual_seed(11);
  ds::DataLoader c(data, {.shuffle = true});
  xg::manual_seed(11);
  ds::DataLoader d(data, {.shuffle = true});
  BOOST_TEST(c.seed() == d.seed());
  BOOST_TEST(c.order(3) == d.order(3), tt::per_element());
  BOOST_TEST(xg::rand({4}).to_vector<double>() != xg::rand({4}).to_vector<double>());  // generator advanced
}

BOOST_AUTO_TEST_CASE(prefetch_delivers_the_synchronous_batches) {
  auto data = indexed(103);
  ds::DataLoader sync(data, {.batch_size = 8, .shuffle = true, .seed = 5, .prefetch = 0});
  std::vector<std::vector<double>> expected_x;
  std::vector<I64> expected_y;
  for (int epoch = 0; epoch < 2; ++epoch)
    for (const ds::Batch& b : sync) {
      expected_x.push_back(b.x.to_vector<double>());
      expected_y.push_back(b.y.to_vector<std::int64_t>());
    }
  for (int prefetch : {1, 2, 5, 64}) {
    ds::DataLoader loader(data, {.batch_size = 8, .shuffle = true, .seed = 5, .prefetch = prefetch});
    std::size_t k = 0;
    bool same = true;
    for (int epoch = 0; epoch < 2; ++epoch)
      for (const ds::Batch& b : loader) {
        same = same && k < expected_y.size() && b.x.to_vector<double>() == expected_x[k] &&
               b.y.to_vector<std::int64_t>() == expected_y[k];
        ++k;
      }
    BOOST_TEST(same, "prefetch " << prefetch);
    BOOST_TEST(k == expected_y.size());
  }
}

BOOST_AUTO_TEST_CASE(prefetch_runs_ahead_on_another_thread_within_its_bound) {
  auto probe = std::make_shared<Probe>(50, -1);
  ds::DataLoader loader(probe, {.batch_size = 5, .prefetch = 2});
  auto it = loader.begin();  // batch 0 is current; the thread builds batches 1 and 2, then waits
  for (int i = 0; i < 500 && probe->calls < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(probe->calls.load() == 3);
  BOOST_TEST(probe->off_main_thread.load());

  auto sync_probe = std::make_shared<Probe>(50, -1);
  ds::DataLoader sync(sync_probe, {.batch_size = 5, .prefetch = 0});
  std::size_t n = 0;
  for (const ds::Batch& b : sync) n += static_cast<std::size_t>(b.x.size(0));
  BOOST_TEST(n == 50u);
  BOOST_TEST(!sync_probe->off_main_thread.load());
}

BOOST_AUTO_TEST_CASE(early_exit_and_loader_destruction_shut_down_cleanly) {
  auto data = indexed(1000);
  std::weak_ptr<ds::TensorDataset> alive = data;
  {
    ds::DataLoader loader(data, {.batch_size = 10, .shuffle = true, .seed = 1, .prefetch = 4});
    int seen = 0;
    for (const ds::Batch& b : loader) {
      BOOST_TEST(b.x.size(0) == 10);
      if (++seen == 2) break;  // the iterator dies here: its thread is stopped and joined
    }
    BOOST_TEST(seen == 2);
    // A second epoch after the break starts cleanly, at epoch 1.
    BOOST_TEST(loader.epoch() == 1);
    BOOST_TEST(epoch_batches(loader).size() == 100u);
  }
  // An iterator may outlive its loader: the epoch owns its dataset pointer and order.
  std::vector<I64> rest;
  {
    auto loader = std::make_unique<ds::DataLoader>(data, ds::DataLoaderOptions{.batch_size = 400, .prefetch = 2});
    auto it = loader->begin();
    loader.reset();
    for (; it != ds::DataLoader::Sentinel{}; ++it) rest.push_back(it->y.to_vector<std::int64_t>());
  }
  BOOST_TEST(rest.size() == 3u);
  BOOST_TEST(rest.back().size() == 200u);
  data.reset();
  BOOST_TEST(alive.expired());  // no loader, epoch or thread kept the dataset
}

BOOST_AUTO_TEST_CASE(exceptions_reach_the_loop_at_the_failing_batch) {
  for (int prefetch : {0, 1, 3}) {
    auto probe = std::make_shared<Probe>(40, 4);  // the 5th get_batch call throws
    ds::DataLoader loader(probe, {.batch_size = 4, .prefetch = prefetch});
    int delivered = 0;
    std::string message;
    try {
      for (const ds::Batch& b : loader) {
        BOOST_TEST(b.y.to_vector<std::int64_t>()[0] == 4 * delivered);
        ++delivered;
      }
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    BOOST_TEST(delivered == 4, "prefetch " << prefetch);
    BOOST_TEST(message == "probe failure in batch 4");
    // The next epoch works again (the probe fails only on call 4).
    BOOST_TEST(epoch_batches(loader).size() == 10u);
  }
  // A failure while building the first batch is thrown by begin().
  auto first = std::make_shared<Probe>(8, 0);
  ds::DataLoader loader(first, {.batch_size = 4, .prefetch = 2});
  BOOST_CHECK_THROW(loader.begin(), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(bad_custom_get_batch_is_reported) {
  struct Short : ds::TensorDataset {
    using ds::TensorDataset::TensorDataset;
    ds::Batch get_batch(const I64& indices) const override {
      ds::Batch b = ds::TensorDataset::get_batch(indices);
      return {b.x, ds::TensorDataset::get_batch({indices[0]}).y};
    }
  };
  ds::DataLoader loader(Short(xg::zeros({6, 2}), xg::zeros({6})), {.batch_size = 3});
  BOOST_CHECK_EXCEPTION(loader.begin(), xg::ShapeError, [](const xg::ShapeError& e) {
    return std::string(e.what()) ==
           "DataLoader: the dataset's get_batch returned y of shape [1] for 3 indices; expected a first dimension of 3";
  });
}

BOOST_AUTO_TEST_SUITE_END()
