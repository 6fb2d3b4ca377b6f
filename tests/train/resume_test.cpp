// Resuming from checkpoints: a run killed after its first epoch (an exception thrown from a
// callback) and continued by a NEW model from the checkpoint that ModelCheckpoint wrote ends with
// bitwise the same weights, optimizer state, learning rate and History as the run that was never
// interrupted (MLP with Dropout, Adam, StepLR, shuffle seed drawn from the global generator). The
// same holds for a checkpoint taken in the middle of an epoch. Plus the errors: another
// architecture, another data layout mid-epoch, nothing to save yet, fit on empty data.
#include "helpers.hpp"

#include <cstring>
#include <stdexcept>

using namespace train_test;

namespace {

struct Killed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

xg::Sequential make_model(std::int64_t hidden = 32,
                          xg::train::OptimizerSpec optimizer = xg::optim::Adam({.lr = 3e-3})) {
  xg::Sequential model{nn::Dense(hidden, {.in_features = 784, .activation = "relu", .name = "hidden"}),
                       nn::Dropout(0.3), nn::Dense(10, {.activation = "softmax", .name = "output"})};
  model.compile(
      {.loss = "categorical_crossentropy",
       .optimizer = std::move(optimizer),
       .metrics = {"accuracy"},
       .lr_scheduler = [](xg::optim::Optimizer& o) { return std::make_shared<xg::optim::StepLR>(o, 1, 0.5); }});
  return model;
}

const Tensor& x_data() {
  static const Tensor x = rows(mnist_subset().x_train, 0, 500);
  return x;
}
const Tensor& y_data() {
  static const Tensor y = rows(mnist_subset().y_train, 0, 500);
  return y;
}

/// 3 epochs of 400 training samples in batches of 40 (10 steps each), 100 validation samples.
xg::train::FitOptions options(std::vector<std::shared_ptr<xg::train::Callback>> callbacks = {},
                              std::string resume_from = "") {
  return {.epochs = 3,
          .batch_size = 40,
          .validation_split = 0.2,
          .verbose = 0,
          .callbacks = std::move(callbacks),
          .resume_from = std::move(resume_from)};
}

bool memcmp_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  return std::memcmp(a.raw_data(), b.raw_data(), static_cast<std::size_t>(a.numel()) * xg::element_size(a.dtype())) ==
         0;
}

bool same_history(const xg::train::History& a, const xg::train::History& b) {
  if (a.epochs() != b.epochs() || a.values().size() != b.values().size()) return false;
  for (const auto& [k, v] : a.values()) {
    const auto& w = b.at(k);
    if (v.size() != w.size() || std::memcmp(v.data(), w.data(), v.size() * sizeof(double)) != 0) return false;
  }
  return true;
}

/// Checks that two models ended in bitwise the same state.
void check_same_end(xg::Sequential& a, xg::Sequential& b) {
  const auto wa = a.state_dict(), wb = b.state_dict();
  BOOST_REQUIRE_EQUAL(wa.size(), wb.size());
  for (const auto& [k, t] : wa) BOOST_CHECK_MESSAGE(memcmp_equal(t, wb.at(k)), "weight " << k << " differs");
  const auto oa = a.optimizer().state_dict(), ob = b.optimizer().state_dict();
  BOOST_REQUIRE_EQUAL(oa.size(), ob.size());
  for (const auto& [k, t] : oa) BOOST_CHECK_MESSAGE(memcmp_equal(t, ob.at(k)), "optimizer state " << k << " differs");
  BOOST_CHECK_EQUAL(a.optimizer().lr(), b.optimizer().lr());
  BOOST_CHECK_EQUAL(a.progress().global_step, b.progress().global_step);
  BOOST_CHECK(same_history(a.history(), b.history()));
}

/// A callback that "kills" the run: throws at the start of `epoch` or after global step `step`.
std::shared_ptr<xg::train::LambdaCallback> killer(int epoch, std::int64_t step) {
  auto cb = std::make_shared<xg::train::LambdaCallback>();
  cb->epoch_begin = [epoch](xg::train::Model&, int e) {
    if (e == epoch) throw Killed("killed at the start of an epoch");
  };
  cb->batch_end = [step](xg::train::Model& m, std::int64_t, const xg::train::Logs&) {
    if (m.progress().global_step == step) throw Killed("killed after a step");
  };
  return cb;
}

std::shared_ptr<xg::train::ModelCheckpoint> checkpointer(const std::string& path, std::int64_t save_freq = 0) {
  return std::make_shared<xg::train::ModelCheckpoint>(
      xg::train::ModelCheckpointOptions{.filepath = path, .save_weights_only = false, .save_freq = save_freq});
}

/// Halves the lr when val_loss did not improve by 10 (so from the second epoch on): the resumed
/// run matches only if the callback's best value and wait come back with the checkpoint.
std::shared_ptr<xg::train::ReduceLROnPlateau> plateau() {
  return std::make_shared<xg::train::ReduceLROnPlateau>(
      xg::train::ReduceLROnPlateauOptions{.factor = 0.5, .patience = 1, .min_delta = 10.0});
}

/// The uninterrupted reference run.
xg::Sequential reference_run() {
  xg::manual_seed(5);
  xg::Sequential model = make_model();
  const auto history = model.fit(x_data(), y_data(), options({plateau()}));
  BOOST_REQUIRE_EQUAL(history.epochs().size(), 3u);
  return model;
}

/// Starts the reference run with `callbacks`, one of which kills it.
void run_until_killed(std::vector<std::shared_ptr<xg::train::Callback>> callbacks) {
  xg::manual_seed(5);
  xg::Sequential killed = make_model();
  BOOST_CHECK_THROW(killed.fit(x_data(), y_data(), options(std::move(callbacks))), Killed);
}

/// Trains the reference setup for `epochs` epochs without validation and checkpoints it to `path`.
xg::Sequential trained_checkpoint(const std::string& path, int epochs) {
  xg::manual_seed(5);
  xg::Sequential trained = make_model();
  trained.fit(x_data(), y_data(), {.epochs = epochs, .batch_size = 40, .verbose = 0});
  trained.save_checkpoint(path);
  return trained;
}

BOOST_AUTO_TEST_SUITE(resume)

BOOST_AUTO_TEST_CASE(killed_after_one_epoch_and_resumed_by_a_new_model_matches_bitwise) {
  xg::Sequential reference = reference_run();
  TempDir dir("resume");
  const std::string path = dir.file("run.ckpt");
  run_until_killed({plateau(), checkpointer(path), killer(1, -1)});
  xg::manual_seed(12345);  // a new process: another generator state, fresh weights
  xg::Sequential resumed = make_model();
  const auto history = resumed.fit(x_data(), y_data(), options({plateau()}, path));
  BOOST_CHECK(history.epochs() == (std::vector<int>{0, 1, 2}));  // the History continues
  // StepLR halves the lr every epoch, ReduceLROnPlateau once more after epochs 2 and 3
  BOOST_CHECK_EQUAL(history.at("lr")[2], 3e-3 * 0.5 * 0.5 * 0.5);
  BOOST_CHECK_EQUAL(resumed.optimizer().lr(), 3e-3 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5);
  check_same_end(reference, resumed);

  // The callbacks' states are matched by position: another order is refused.
  xg::Sequential reordered = make_model();
  const auto reordered_options = options({checkpointer(dir.file("other.ckpt")), plateau()}, path);
  xg::test::expect_error<xg::ValueError>([&] { reordered.fit(x_data(), y_data(), reordered_options); },
                                         {"ModelCheckpoint", "not of a ReduceLROnPlateau", "same order"});
}

BOOST_AUTO_TEST_CASE(killed_mid_epoch_and_resumed_from_a_batch_checkpoint_matches_bitwise) {
  xg::Sequential reference = reference_run();
  TempDir dir("resume");
  const std::string path = dir.file("run.ckpt");
  run_until_killed({plateau(), checkpointer(path, 7), killer(-1, 17)});
  const auto saved = xg::io::load_checkpoint(path);  // written at global step 14: epoch 1, after batch 4
  BOOST_CHECK_EQUAL(saved.progress.global_step, 14);
  BOOST_CHECK_EQUAL(saved.progress.epoch, 1);
  BOOST_CHECK_EQUAL(saved.progress.batch, 4);
  BOOST_CHECK_EQUAL(saved.progress.epoch_samples, 160);

  xg::manual_seed(777);
  xg::Sequential resumed = make_model();
  resumed.fit(x_data(), y_data(), options({plateau()}, path));
  check_same_end(reference, resumed);

  // Another batch size cannot continue that epoch.
  xg::Sequential other = make_model();
  auto fit_options = options({}, path);
  fit_options.batch_size = 50;
  xg::test::expect_error<xg::ValueError>([&] { other.fit(x_data(), y_data(), fit_options); },
                                         {"run.ckpt", "middle of epoch 2", "batch_size 40", "batch_size 50"});
}

BOOST_AUTO_TEST_CASE(load_checkpoint_restores_weights_progress_and_history_outside_fit) {
  TempDir dir("resume");
  const std::string path = dir.file("run.ckpt");
  xg::Sequential trained = trained_checkpoint(path, 2);

  xg::Sequential loaded = make_model();
  loaded.build({784});  // the output layer is built lazily: create its weights first
  loaded.load_checkpoint(path);
  BOOST_CHECK_EQUAL(loaded.progress().epoch, 2);
  BOOST_CHECK(same_history(loaded.history(), trained.history()));
  BOOST_CHECK(memcmp_equal(loaded.predict(rows(x_data(), 0, 20)), trained.predict(rows(x_data(), 0, 20))));
}

BOOST_AUTO_TEST_CASE(another_architecture_names_the_parameter) {
  TempDir dir("resume");
  const std::string path = dir.file("run.ckpt");
  trained_checkpoint(path, 1);

  xg::Sequential narrower = make_model(16);
  xg::test::expect_error<xg::ValueError>([&] { narrower.fit(x_data(), y_data(), options({}, path)); },
                                         {"restoring checkpoint", "run.ckpt", "hidden", "shape mismatches"});

  xg::Sequential sgd = make_model(32, "sgd");
  xg::test::expect_error<xg::ValueError>([&] { sgd.fit(x_data(), y_data(), options({}, path)); },
                                         {"an optimizer of type Adam", "given is of type SGD"});
}

BOOST_AUTO_TEST_CASE(nothing_to_save_and_empty_data_are_clear_errors) {
  xg::Sequential model = make_model();
  TempDir dir("resume");
  xg::test::expect_error<xg::ValueError>([&] { model.save_checkpoint(dir.file("x.ckpt")); },
                                         {"save_checkpoint", "x.ckpt", "nothing to save yet"});
  BOOST_CHECK_EQUAL(dir.entry_count(), 0u);

  xg::test::expect_error<xg::ValueError>(
      [&] {
        model.fit(xg::zeros({0, 784}), xg::zeros({0, 10}), {.verbose = 0});
      },
      {"fit", "no samples", "[0, 784]", "expected at least one sample"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
