// DistributedSampler: step s of all ranks together is exactly global batch s of the seeded
// shuffle, every rank gets the same number of batches (padding or drop_last), the order depends on
// (seed, epoch) only, and a DataLoader iterates a rank's share through the sampler hook.
#include "helpers.hpp"

#include <algorithm>

using namespace distributed_test;
using dist::DistributedSampler;
using dist::DistributedSamplerOptions;

BOOST_AUTO_TEST_SUITE(sampler)

BOOST_AUTO_TEST_CASE(the_ranks_pieces_of_each_step_make_up_the_global_batch) {
  constexpr std::int64_t kN = 10, kBatch = 2;
  constexpr int kWorld = 3;  // ranks given explicitly: pure arithmetic, no job needed
  std::vector<std::vector<std::int64_t>> orders;
  for (int r = 0; r < kWorld; ++r) {
    const DistributedSampler s(kN, {.batch_size = kBatch, .seed = 5, .rank = r, .world_size = kWorld});
    BOOST_TEST(s.size() == 4);  // ceil(10 / 3): the epoch is padded to 12
    orders.push_back(s.order(1));
    BOOST_TEST(orders.back().size() == 4u);
  }
  std::vector<std::int64_t> padded = xg::datasets::shuffled_order(kN, 5, 1);
  padded.push_back(padded[0]);
  padded.push_back(padded[1]);
  for (std::int64_t step = 0; step < 2; ++step) {
    std::vector<std::int64_t> together;
    for (const auto& order : orders) together.insert(together.end(), order.begin() + step * kBatch, order.begin() + (step + 1) * kBatch);
    BOOST_TEST(together == std::vector<std::int64_t>(padded.begin() + step * 6, padded.begin() + (step + 1) * 6),
               boost::test_tools::per_element());
  }
  const DistributedSampler again(kN, {.batch_size = kBatch, .seed = 5, .rank = 0, .world_size = kWorld});
  BOOST_TEST(again.order(1) == orders[0], boost::test_tools::per_element());
  BOOST_TEST(again.order(2) != orders[0]);
}

BOOST_AUTO_TEST_CASE(drop_last_keeps_whole_global_batches_only) {
  const DistributedSampler s(10, {.batch_size = 2, .shuffle = false, .seed = 1, .drop_last = true, .rank = 1, .world_size = 3});
  BOOST_TEST(s.size() == 2);
  BOOST_TEST(s.order(0) == (std::vector<std::int64_t>{2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(shard_splits_a_batch_into_near_equal_pieces) {
  BOOST_TEST((DistributedSampler::shard(10, 17, 0, 2) == std::pair<std::int64_t, std::int64_t>{10, 13}));
  BOOST_TEST((DistributedSampler::shard(10, 17, 1, 2) == std::pair<std::int64_t, std::int64_t>{13, 17}));
  BOOST_TEST((DistributedSampler::shard(4, 5, 0, 2) == std::pair<std::int64_t, std::int64_t>{4, 4}));  // empty piece
}

BOOST_AUTO_TEST_CASE(a_data_loader_iterates_this_ranks_share) {
  auto data = std::make_shared<xg::datasets::TensorDataset>(xg::arange(0, 50).reshape({50, 1}), Tensor());
  auto sampler = std::make_shared<DistributedSampler>(50, DistributedSamplerOptions{.batch_size = 8, .seed = 3});
  xg::datasets::DataLoader loader(data, {.batch_size = 8, .prefetch = 0, .sampler = sampler});
  const std::vector<std::int64_t> mine = sampler->order(0);
  std::vector<std::int64_t> seen;
  std::int64_t batches = 0;
  for (const auto& batch : loader) {
    ++batches;
    for (double v : batch.x.to_vector<double>()) seen.push_back(static_cast<std::int64_t>(v));
  }
  BOOST_TEST(seen == mine, boost::test_tools::per_element());
  BOOST_TEST(batches == loader.size());
  BOOST_TEST(all_ranks(true));
  std::vector<double> counts{static_cast<double>(batches)};
  dist::all_reduce_sum(counts);
  BOOST_TEST(counts[0] == static_cast<double>(batches * dist::world_size()));  // the same count on every rank

  BOOST_CHECK_THROW(xg::datasets::DataLoader(data, {.shuffle = true, .sampler = sampler}), xg::ValueError);
}

BOOST_AUTO_TEST_SUITE_END()
