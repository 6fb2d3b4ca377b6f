// Model::fit({.distributed = true}): W ranks x batch 128/W reach the weights, losses and metrics
// of one process with batch 128 (the shuffle, the last one-sample batch and the validation data
// included), the parameters are identical on every rank after every batch, evaluate splits its
// rows over the ranks, and only rank 0 writes checkpoints and CSV logs.
#include "helpers.hpp"

#include <filesystem>

using namespace distributed_test;

namespace {

void compile(xg::Sequential& model) {
  model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::SGD({.lr = 0.5, .momentum = 0.9}),
                 .metrics = {"accuracy"}});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fit)

BOOST_AUTO_TEST_CASE(ranks_reach_the_weights_and_logs_of_one_process_with_the_global_batch) {
  constexpr std::int64_t kGlobal = 128;
  BOOST_REQUIRE_EQUAL(kGlobal % dist::world_size(), 0);
  const Problem data = problem(2 * kGlobal + 1), validation = problem(50, 8);
  const xg::train::ValidationData val{validation.x, validation.y};

  auto reference = mlp(5);
  compile(*reference);
  const auto expected = reference->fit(data.x, data.y, {.epochs = 2, .batch_size = kGlobal, .validation_data = val,
                                                        .verbose = 0, .seed = 99});

  auto model = mlp(dist::is_root() ? 5 : 6);  // the other ranks start from other weights: fit broadcasts rank 0's
  compile(*model);
  bool identical = true;
  auto check = std::make_shared<xg::train::LambdaCallback>();
  check->batch_end = [&identical](xg::train::Model& m, std::int64_t, const xg::train::Logs&) {
    identical = dist::parameters_identical(m.network()) && identical;
  };
  const auto history = model->fit(data.x, data.y, {.epochs = 2, .batch_size = kGlobal / dist::world_size(),
                                                   .validation_data = val, .verbose = 0, .callbacks = {check},
                                                   .seed = 99, .distributed = true});
  BOOST_TEST(identical);
  const double difference = max_difference(*model, *reference);
  BOOST_TEST(difference < 1e-5, "largest weight difference to one process: " << difference);
  for (const std::string key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
    const auto got = history.at(key), want = expected.at(key);
    BOOST_REQUIRE_EQUAL(got.size(), want.size());
    for (std::size_t e = 0; e < got.size(); ++e) BOOST_TEST(std::abs(got[e] - want[e]) < 1e-5, key << " epoch " << e);
  }
}

BOOST_AUTO_TEST_CASE(evaluate_splits_the_rows_and_reduces_the_means) {
  const Problem data = problem(101, 3);
  auto model = mlp(5);
  compile(*model);
  const auto local = model->evaluate(data.x, data.y, {.batch_size = 16});
  const auto shared = model->evaluate(data.x, data.y, {.batch_size = 16, .distributed = true});
  for (const auto& [key, value] : local) BOOST_TEST(std::abs(shared.at(key) - value) < 1e-6, key);
}

BOOST_AUTO_TEST_CASE(only_rank_0_writes_checkpoints_and_logs) {
  const SharedDir dir("distributed_writes");
  const Problem data = problem(64);
  auto model = mlp(5);
  compile(*model);
  const auto name = [](const std::string& stem, int rank) { return stem + "_" + std::to_string(rank); };
  const int rank = dist::rank();
  model->fit(data.x, data.y,
             {.epochs = 2, .batch_size = 16, .verbose = 0,
              .callbacks = {std::make_shared<xg::train::CSVLogger>(dir.file(name("log", rank) + ".csv")),
                            std::make_shared<xg::train::ModelCheckpoint>(xg::train::ModelCheckpointOptions{
                                .filepath = dir.file(name("epoch", rank) + ".safetensors"), .save_weights_only = false})},
              .distributed = true});
  model->save_checkpoint(dir.file(name("final", rank) + ".safetensors"));
  BOOST_TEST(model->is_root() == dist::is_root());
  dist::barrier();
  if (!dist::is_root()) return;
  for (const std::string stem : {"log", "epoch", "final"}) {
    const std::string ext = stem == "log" ? ".csv" : ".safetensors";
    BOOST_TEST(std::filesystem::exists(dir.file(name(stem, 0) + ext)), stem << " of rank 0");
    for (int r = 1; r < dist::world_size(); ++r)
      BOOST_TEST(!std::filesystem::exists(dir.file(name(stem, r) + ext)), stem << " of rank " << r);
  }
}

BOOST_AUTO_TEST_SUITE_END()
