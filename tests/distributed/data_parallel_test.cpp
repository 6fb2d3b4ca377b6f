// DataParallel in a manual training loop: the replicas start from rank 0's weights and stay
// bitwise identical after every step, even when each rank trains on different data; W ranks each
// given their piece of a global batch reach the weights of one process trained on the whole global
// batch (to float tolerance), including a step in which a rank has no sample at all.
#include "helpers.hpp"

using namespace distributed_test;

BOOST_AUTO_TEST_SUITE(data_parallel)

BOOST_AUTO_TEST_CASE(replicas_start_equal_and_stay_identical_after_every_step) {
  auto model = mlp(100 + static_cast<std::uint64_t>(dist::rank()));  // different weights on every rank
  if (dist::world_size() > 1) BOOST_TEST(!dist::parameters_identical(*model));
  dist::DataParallel ddp(model, {.bucket_bytes = 256});  // several buckets, started during backward
  BOOST_TEST(dist::parameters_identical(*model));
  if (dist::world_size() > 1) BOOST_TEST(ddp.num_buckets() > 1);

  xg::optim::Adam opt(model->parameters(), {.lr = 0.01});
  const Problem data = problem(96, 11 + static_cast<std::uint64_t>(dist::rank()));  // different data per rank
  for (int step = 0; step < 6; ++step) {
    opt.zero_grad();
    const Tensor xb = xg::slice(data.x, 0, step * 16, step * 16 + 16), yb = xg::slice(data.y, 0, step * 16, step * 16 + 16);
    ddp.backward(nn::categorical_crossentropy(ddp(xb), yb));
    opt.step();
    BOOST_TEST(dist::parameters_identical(*model), "after step " << step);
  }
}

BOOST_AUTO_TEST_CASE(ranks_with_pieces_of_a_batch_match_one_process_with_the_whole_batch) {
  constexpr std::int64_t kGlobal = 128;
  const int world = dist::world_size(), rank = dist::rank();
  BOOST_REQUIRE_EQUAL(kGlobal % world, 0);
  const Problem data = problem(3 * kGlobal + 1);
  auto reference = mlp(5), model = mlp(5);
  xg::optim::SGD reference_opt(reference->parameters(), {.lr = 0.5, .momentum = 0.9});
  xg::optim::SGD opt(model->parameters(), {.lr = 0.5, .momentum = 0.9});
  dist::DataParallel ddp(model);
  // Three global batches of 128, then one of a single sample: with two ranks, rank 0 has none.
  for (const auto& [begin, end] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, kGlobal}, {kGlobal, 2 * kGlobal}, {2 * kGlobal, 3 * kGlobal}, {3 * kGlobal, 3 * kGlobal + 1}}) {
    reference_opt.zero_grad();
    nn::categorical_crossentropy((*reference)(xg::slice(data.x, 0, begin, end)), xg::slice(data.y, 0, begin, end))
        .backward();
    reference_opt.step();

    const auto [first, last] = dist::DistributedSampler::shard(begin, end, rank, world);
    BOOST_TEST(last - first <= (end - begin + world - 1) / world);
    opt.zero_grad();
    if (last > first)
      ddp.backward(nn::categorical_crossentropy(ddp(xg::slice(data.x, 0, first, last)), xg::slice(data.y, 0, first, last)));
    else
      ddp.synchronize();  // no sample this step: the rank still takes part, with weight 0
    opt.step();
  }
  const double difference = max_difference(*model, *reference);
  BOOST_TEST(difference < 1e-5, "largest weight difference to one process: " << difference);
  BOOST_TEST(dist::parameters_identical(*model));
}

BOOST_AUTO_TEST_CASE(a_module_that_creates_weights_during_forward_is_refused) {
  auto model = std::make_shared<xg::Sequential>(nn::Dense(4, {.activation = "softmax"}));  // lazy: no in_features
  dist::DataParallel ddp(model);
  BOOST_CHECK_EXCEPTION(ddp(xg::ones({2, 3})), xg::ValueError, [](const xg::ValueError& e) {
    return std::string(e.what()).find("created parameters during forward") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
