// Callbacks in fit: EarlyStopping (patience, stopped_epoch, restore_best_weights), ModelCheckpoint
// (every epoch, save_best_only, the {epoch} placeholder, loading back), CSVLogger rows,
// ReduceLROnPlateau, TerminateOnNaN, LambdaCallback call counts, and the error for a monitored key
// that is not logged. The monitored values come from a scripted metric (helpers.hpp), so every
// test decides exactly when the quantity improves.
#include "helpers.hpp"

#include <algorithm>

using namespace train_test;
using xg::train::Logs;
using xg::train::Model;

namespace {

// The tiny model compiled with a scripted metric "score" (minimized: its name has no "acc").
struct ScriptedFit {
  std::shared_ptr<Script> script = std::make_shared<Script>();
  xg::Sequential model;
  TinyData data = tiny_data();

  explicit ScriptedFit(std::vector<double> values, const std::string& name = "tiny")
      : model(tiny_model(name)) {
    script->values = std::move(values);
    model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::SGD({.lr = 0.5}),
                   .metrics = {scripted_metric(script)}});
  }
  xg::train::History fit(int epochs, std::vector<std::shared_ptr<xg::train::Callback>> callbacks) {
    callbacks.insert(callbacks.begin(), script_tracker(script));
    return model.fit(data.x, data.y, {.epochs = epochs, .batch_size = 8, .verbose = 0, .callbacks = callbacks});
  }
};

// Records a copy of the weights at the end of every epoch.
std::shared_ptr<xg::train::LambdaCallback> weight_recorder(std::vector<std::vector<Tensor>>& out) {
  auto cb = std::make_shared<xg::train::LambdaCallback>();
  cb->epoch_end = [&out](Model& m, int, const Logs&) { out.push_back(snapshot(m.network())); };
  return cb;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(callbacks)

BOOST_AUTO_TEST_CASE(early_stopping_waits_patience_epochs) {
  // Best at epoch 2; epochs 3 and 4 do not improve: with patience 2, training stops after epoch 4.
  ScriptedFit run({5, 4, 3, 3.5, 3.6, 3.7, 3.8, 3.9, 4.0, 4.1});
  auto stop = std::make_shared<xg::train::EarlyStopping>(xg::train::EarlyStoppingOptions{.monitor = "score", .patience = 2});
  const auto history = run.fit(10, {stop});
  BOOST_TEST(history.epochs() == (std::vector<int>{0, 1, 2, 3, 4}), boost::test_tools::per_element());
  BOOST_TEST(stop->stopped_epoch() == 4);
  BOOST_TEST(stop->best_epoch() == 2);
  BOOST_TEST(run.model.stop_training);  // left set for the caller to see, as in Keras
}

BOOST_AUTO_TEST_CASE(early_stopping_patience_zero_stops_at_the_first_plateau) {
  ScriptedFit run({3, 2, 2, 1, 0});
  auto stop = std::make_shared<xg::train::EarlyStopping>(xg::train::EarlyStoppingOptions{.monitor = "score"});
  const auto history = run.fit(5, {stop});
  BOOST_TEST(history.epochs().size() == 3u);
  BOOST_TEST(stop->stopped_epoch() == 2);
}

BOOST_AUTO_TEST_CASE(early_stopping_min_delta_and_max_mode) {
  // Gains of 0.05 are below min_delta 0.1, so they do not count as improvements.
  ScriptedFit run({0.5, 0.55, 0.6, 0.65, 0.7});
  auto stop = std::make_shared<xg::train::EarlyStopping>(xg::train::EarlyStoppingOptions{
      .monitor = "score", .min_delta = 0.1, .patience = 1, .mode = xg::train::MonitorMode::Max});
  run.fit(5, {stop});
  BOOST_TEST(stop->best_epoch() == 0);
  BOOST_TEST(stop->stopped_epoch() == 1);
}

BOOST_AUTO_TEST_CASE(early_stopping_that_never_triggers) {
  ScriptedFit run({4, 3, 2, 1});
  auto stop = std::make_shared<xg::train::EarlyStopping>(xg::train::EarlyStoppingOptions{.monitor = "score", .patience = 1});
  const auto history = run.fit(4, {stop});
  BOOST_TEST(history.epochs().size() == 4u);
  BOOST_TEST(stop->stopped_epoch() == -1);
  BOOST_TEST(stop->best_epoch() == 3);
}

BOOST_AUTO_TEST_CASE(early_stopping_restores_the_best_weights) {
  ScriptedFit run({5, 1, 3, 4, 5, 6});
  std::vector<std::vector<Tensor>> weights;
  auto stop = std::make_shared<xg::train::EarlyStopping>(
      xg::train::EarlyStoppingOptions{.monitor = "score", .patience = 2, .restore_best_weights = true});
  run.fit(6, {stop, weight_recorder(weights)});
  BOOST_TEST_REQUIRE(stop->stopped_epoch() == 3);
  BOOST_TEST_REQUIRE(weights.size() == 4u);
  BOOST_TEST(!same_weights(weights[1], weights[3]));  // training moved on after the best epoch...
  BOOST_TEST(same_weights(snapshot(run.model), weights[1]));  // ...and the best weights were put back
}

BOOST_AUTO_TEST_CASE(early_stopping_without_restore_keeps_the_last_weights) {
  ScriptedFit run({5, 1, 3, 4, 5, 6});
  std::vector<std::vector<Tensor>> weights;
  auto stop = std::make_shared<xg::train::EarlyStopping>(xg::train::EarlyStoppingOptions{.monitor = "score", .patience = 2});
  run.fit(6, {stop, weight_recorder(weights)});
  BOOST_TEST_REQUIRE(weights.size() == 4u);
  BOOST_TEST(same_weights(snapshot(run.model), weights[3]));
}

BOOST_AUTO_TEST_CASE(early_stopping_rejects_negative_patience) {
  xg::test::expect_error<xg::ValueError>(
      [] { xg::train::EarlyStopping({.patience = -1}); }, {"EarlyStopping", "patience"});
}

BOOST_AUTO_TEST_CASE(model_checkpoint_saves_every_epoch) {
  TempDir dir("checkpoint_all");
  ScriptedFit run({3, 2, 2.5});
  auto checkpoint = std::make_shared<xg::train::ModelCheckpoint>(
      xg::train::ModelCheckpointOptions{.filepath = dir.file("weights-{epoch}.safetensors")});
  run.fit(3, {checkpoint});
  const std::vector<std::string> expected{dir.file("weights-1.safetensors"), dir.file("weights-2.safetensors"),
                                          dir.file("weights-3.safetensors")};
  BOOST_TEST(checkpoint->saved() == expected, boost::test_tools::per_element());
  for (const auto& path : expected) BOOST_TEST(std::filesystem::exists(path), path);
  const auto file = xg::io::load_safetensors(expected[1]);
  BOOST_TEST(file.metadata.at("epoch") == "2");
}

BOOST_AUTO_TEST_CASE(model_checkpoint_save_best_only_and_load_back) {
  TempDir dir("checkpoint_best");
  ScriptedFit run({3, 2, 2.5, 1, 1.5}, "ckpt_dense");
  std::vector<std::vector<Tensor>> weights;
  std::vector<Tensor> predictions;
  auto predict = std::make_shared<xg::train::LambdaCallback>();
  predict->epoch_end = [&](Model& m, int, const Logs&) { predictions.push_back(m.predict(run.data.x)); };
  auto checkpoint = std::make_shared<xg::train::ModelCheckpoint>(xg::train::ModelCheckpointOptions{
      .filepath = dir.file("best_{epoch}.safetensors"), .monitor = "score", .save_best_only = true});
  run.fit(5, {checkpoint, weight_recorder(weights), predict});
  const std::vector<std::string> expected{dir.file("best_1.safetensors"), dir.file("best_2.safetensors"),
                                          dir.file("best_4.safetensors")};
  BOOST_TEST(checkpoint->saved() == expected, boost::test_tools::per_element());
  BOOST_TEST(!std::filesystem::exists(dir.file("best_3.safetensors")));
  BOOST_TEST(!std::filesystem::exists(dir.file("best_5.safetensors")));

  // A fresh model with the same layer names loads the best checkpoint (epoch 4): it gets that
  // epoch's weights and predicts exactly what the trained model predicted at the end of epoch 4.
  BOOST_TEST_REQUIRE(predictions.size() == 5u);
  xg::manual_seed(999);
  xg::Sequential fresh = tiny_model("ckpt_dense");
  BOOST_TEST(!same_weights(snapshot(fresh), weights[3]));
  xg::io::load(fresh, expected.back());
  BOOST_TEST(same_weights(snapshot(fresh), weights[3]));
  BOOST_TEST(bitwise_equal(fresh.predict(run.data.x), predictions[3]));
  BOOST_TEST(!bitwise_equal(fresh.predict(run.data.x), predictions[4]));
}

BOOST_AUTO_TEST_CASE(csv_logger_writes_one_row_per_epoch) {
  TempDir dir("csv_logger");
  const std::string path = dir.file("log.csv");
  ScriptedFit run({0.25, 0.5, 0.75});
  const auto history = run.fit(3, {std::make_shared<xg::train::CSVLogger>(path)});
  std::istringstream in(read_file(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0] == "epoch,loss,score");
  for (int e = 0; e < 3; ++e)
    BOOST_TEST_CONTEXT("row " << e << ": " << lines[e + 1]) {
      std::istringstream row(lines[e + 1]);
      std::string epoch, loss, score;
      std::getline(row, epoch, ',');
      std::getline(row, loss, ',');
      std::getline(row, score, ',');
      BOOST_TEST(epoch == std::to_string(e));
      const double l = std::stod(loss);
      BOOST_TEST(std::abs(l - history.at("loss")[e]) <= 1e-9 * std::abs(l));
      BOOST_TEST(std::abs(std::stod(score) - history.at("score")[e]) <= 1e-9);
    }
  // append = true continues the file without a second header.
  ScriptedFit more({0.1});
  more.fit(1, {std::make_shared<xg::train::CSVLogger>(path, ';', true)});
  const std::string text = read_file(path);
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 5);
  BOOST_TEST(text.find("epoch", 1) == std::string::npos);
  BOOST_TEST(text.substr(text.rfind('\n', text.size() - 2) + 1, 2) == "0;");
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_lowers_the_learning_rate) {
  ScriptedFit run({1, 1, 1, 1, 1});
  std::vector<double> lrs;
  auto record = std::make_shared<xg::train::LambdaCallback>();
  record->epoch_end = [&](Model& m, int, const Logs&) { lrs.push_back(m.optimizer().lr()); };
  auto reduce = std::make_shared<xg::train::ReduceLROnPlateau>(
      xg::train::ReduceLROnPlateauOptions{.monitor = "score", .factor = 0.5, .patience = 1, .min_lr = 0.05});
  run.fit(5, {reduce, record});
  // lr 0.5; epoch 0 improves on +inf, every later epoch is a plateau of patience 1; floor 0.05.
  const std::vector<double> expected{0.5, 0.25, 0.125, 0.0625, 0.05};
  BOOST_TEST_REQUIRE(lrs.size() == expected.size());
  for (std::size_t i = 0; i < lrs.size(); ++i) BOOST_TEST(lrs[i] == expected[i], boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_patience_and_cooldown) {
  ScriptedFit run({1, 2, 2, 2, 2, 2, 0.5, 2});
  std::vector<double> lrs;
  auto record = std::make_shared<xg::train::LambdaCallback>();
  record->epoch_end = [&](Model& m, int, const Logs&) { lrs.push_back(m.optimizer().lr()); };
  auto reduce = std::make_shared<xg::train::ReduceLROnPlateau>(
      xg::train::ReduceLROnPlateauOptions{.monitor = "score", .factor = 0.1, .patience = 2, .cooldown = 2});
  run.fit(8, {reduce, record});
  // Plateau epochs 1, 2 -> reduce at 2; the cooldown covers epochs 3 and 4, and as in Keras its last
  // epoch already counts towards patience: waits 4, 5 -> reduce at 5; epoch 6 improves.
  const std::vector<double> expected{0.5, 0.5, 0.05, 0.05, 0.05, 0.005, 0.005, 0.005};
  BOOST_TEST_REQUIRE(lrs.size() == expected.size());
  for (std::size_t i = 0; i < lrs.size(); ++i)
    BOOST_TEST_CONTEXT("epoch " << i) { BOOST_TEST(lrs[i] == expected[i], boost::test_tools::tolerance(1e-12)); }
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_starts_afresh_in_each_fit) {
  // The first fit ends with a best of 0 and one epoch of waiting; reused for a second fit, the
  // callback must not compare against that best (which would reduce the lr at once).
  ScriptedFit run({0, 5});
  auto reduce = std::make_shared<xg::train::ReduceLROnPlateau>(
      xg::train::ReduceLROnPlateauOptions{.monitor = "score", .factor = 0.5, .patience = 2});
  run.fit(2, {reduce});
  BOOST_TEST(run.model.optimizer().lr() == 0.5);
  run.script->values = {5, 5};
  run.fit(1, {reduce});
  BOOST_TEST(run.model.optimizer().lr() == 0.5);
}

BOOST_AUTO_TEST_CASE(terminate_on_nan_stops_at_the_first_bad_batch) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "sgd"});
  TinyData d = tiny_data();
  Tensor x = d.x.clone();
  x.data<float>()[5 * 4 + 1] = std::nanf("");  // sample 5 is in the first batch of 8
  auto nan = std::make_shared<xg::train::TerminateOnNaN>();
  int batches = 0;
  auto count = std::make_shared<xg::train::LambdaCallback>();
  count->batch_end = [&](Model&, std::int64_t, const Logs& logs) {
    ++batches;
    BOOST_TEST(std::isnan(logs.at("batch_loss")));
  };
  xg::train::History history;
  {
    CoutCapture quiet;  // TerminateOnNaN prints a message
    history = model.fit(x, d.y, {.epochs = 3, .batch_size = 8, .shuffle = false, .verbose = 0, .callbacks = {nan, count}});
  }
  BOOST_TEST(nan->terminated());
  BOOST_TEST(batches == 1);
  BOOST_TEST(history.epochs().size() == 1u);
  BOOST_TEST(std::isnan(history.at("loss")[0]));
}

BOOST_AUTO_TEST_CASE(terminate_on_nan_after_divergence) {
  // A huge learning rate makes the weights, then the loss, overflow.
  const TinyData d = tiny_data();
  xg::Sequential model{nn::Dense(2, {.in_features = 4})};
  model.compile({.loss = "mse", .optimizer = xg::optim::SGD({.lr = 1e30})});
  auto nan = std::make_shared<xg::train::TerminateOnNaN>();
  xg::train::History history;
  {
    CoutCapture quiet;
    history = model.fit(d.x * 1e10, d.y, {.epochs = 50, .batch_size = 4, .verbose = 0, .callbacks = {nan}});
  }
  BOOST_TEST(nan->terminated());
  BOOST_TEST(history.epochs().size() < 50u);
  BOOST_TEST(!std::isfinite(history.at("loss").back()));
}

BOOST_AUTO_TEST_CASE(lambda_callback_hooks_are_called_the_right_number_of_times) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "sgd", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();  // 32 samples: 24 train, 8 validation; batches of 10 -> 3 per epoch
  int train_begin = 0, train_end = 0;
  std::vector<int> epochs_begun, epochs_ended;
  std::vector<std::int64_t> batches;
  Logs last_epoch_logs, final_logs;
  auto cb = std::make_shared<xg::train::LambdaCallback>();
  cb->train_begin = [&](Model&) { ++train_begin; };
  cb->train_end = [&](Model&, const Logs& logs) {
    ++train_end;
    final_logs = logs;
  };
  cb->epoch_begin = [&](Model&, int e) { epochs_begun.push_back(e); };
  cb->epoch_end = [&](Model&, int e, const Logs& logs) {
    epochs_ended.push_back(e);
    last_epoch_logs = logs;
  };
  cb->batch_end = [&](Model&, std::int64_t b, const Logs& logs) {
    batches.push_back(b);
    BOOST_TEST(logs.count("batch_loss") == 1u);
    BOOST_TEST(logs.count("loss") == 1u);
    BOOST_TEST(logs.count("accuracy") == 1u);
  };
  const auto history = model.fit(d.x, d.y, {.epochs = 3, .batch_size = 10, .validation_split = 0.25, .verbose = 0,
                                            .callbacks = {cb}});
  BOOST_TEST(train_begin == 1);
  BOOST_TEST(train_end == 1);
  BOOST_TEST(epochs_begun == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
  BOOST_TEST(epochs_ended == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
  BOOST_TEST(batches == (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2}), boost::test_tools::per_element());
  BOOST_TEST(last_epoch_logs.count("val_loss") == 1u);
  BOOST_TEST(final_logs == last_epoch_logs);
  BOOST_TEST(final_logs.at("loss") == history.at("loss").back());
}

BOOST_AUTO_TEST_CASE(a_monitor_that_is_not_logged_is_a_clear_error) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "sgd", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();
  // Default monitor val_loss, but no validation data.
  auto stop = std::make_shared<xg::train::EarlyStopping>();
  xg::test::expect_error<xg::ValueError>(
      [&] { model.fit(d.x, d.y, {.epochs = 2, .verbose = 0, .callbacks = {stop}}); },
      {"'val_loss'", "not logged", "accuracy, loss", "validation_split"});
  auto reduce = std::make_shared<xg::train::ReduceLROnPlateau>(xg::train::ReduceLROnPlateauOptions{.monitor = "val_acc"});
  xg::test::expect_error<xg::ValueError>(
      [&] { model.fit(d.x, d.y, {.epochs = 1, .validation_split = 0.25, .verbose = 0, .callbacks = {reduce}}); },
      {"'val_acc'", "val_accuracy"});
  TempDir dir("checkpoint_monitor");
  auto checkpoint = std::make_shared<xg::train::ModelCheckpoint>(
      xg::train::ModelCheckpointOptions{.filepath = dir.file("m.safetensors"), .monitor = "precision", .save_best_only = true});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(d.x, d.y, {.epochs = 1, .verbose = 0, .callbacks = {checkpoint}}); },
                                         {"'precision'", "not logged"});
}

BOOST_AUTO_TEST_SUITE_END()
