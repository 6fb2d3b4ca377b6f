// Reproducibility of fit: the same seeds (xg::manual_seed for initialization and dropout,
// FitOptions.seed for shuffling) give a bitwise-identical History and identical final weights, run
// to run and at 1 or 2 threads; a different shuffle seed gives a different run.
#include "helpers.hpp"

#include <xgrad/core/parallel.hpp>

using namespace train_test;

namespace {

struct Run {
  xg::train::History history;
  std::vector<Tensor> weights;
  Tensor predictions;
};

/// Restores the thread bound at scope exit.
class ThreadsGuard {
 public:
  explicit ThreadsGuard(int n) : previous_(xg::get_num_threads()) { xg::set_num_threads(n); }
  ~ThreadsGuard() { xg::set_num_threads(previous_); }

 private:
  int previous_;
};

// MLP with dropout (random masks), shuffled batches, a validation split.
Run mlp_run(std::uint64_t shuffle_seed) {
  const auto& data = mnist_subset();
  xg::manual_seed(42);
  xg::Sequential model{nn::Dense(128, {.in_features = 784, .activation = "relu"}), nn::Dropout(0.3),
                       nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::Adam({.lr = 2e-3}), .metrics = {"accuracy"}});
  Run run;
  run.history = model.fit(rows(data.x_train, 0, 1000), rows(data.y_train, 0, 1000),
                          {.epochs = 2, .batch_size = 50, .validation_split = 0.2, .verbose = 0, .seed = shuffle_seed});
  run.weights = snapshot(model);
  run.predictions = model.predict(rows(data.x_test, 0, 200), {.batch_size = 64});
  return run;
}

// A small CNN (convolution, batch normalization, pooling, dropout) on 300 images.
Run cnn_run() {
  const auto& data = mnist_subset();
  xg::manual_seed(43);
  xg::Sequential model{nn::Conv2d(8, {.kernel_size = 3, .padding = "same", .activation = "relu"}), nn::BatchNorm2d(8),
                       nn::MaxPool2d(2),
                       nn::Conv2d(16, {.kernel_size = 3, .activation = "relu"}), nn::MaxPool2d(2), nn::Flatten(),
                       nn::Dropout(0.2), nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "sparse_categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const Tensor x = xg::datasets::to_nchw(rows(data.train_split.images, 0, 300));
  Run run;
  run.history = model.fit(x, rows(data.labels_train, 0, 300),
                          {.epochs = 2, .batch_size = 32, .validation_split = 0.2, .verbose = 0, .seed = 5});
  run.weights = snapshot(model);
  run.predictions = model.predict(xg::datasets::to_nchw(rows(data.test_split.images, 0, 100)));
  return run;
}

void expect_identical(const Run& a, const Run& b) {
  BOOST_TEST_REQUIRE(!a.history.empty());
  BOOST_TEST(a.history.epochs() == b.history.epochs());
  BOOST_TEST_REQUIRE(a.history.values().size() == b.history.values().size());
  for (const auto& [key, values] : a.history.values()) {
    BOOST_TEST_CONTEXT("history key " << key) {
      BOOST_TEST_REQUIRE(b.history.contains(key));
      const auto& other = b.history.at(key);
      BOOST_TEST_REQUIRE(values.size() == other.size());
      for (std::size_t i = 0; i < values.size(); ++i) BOOST_TEST(values[i] == other[i]);  // bitwise: no tolerance
    }
  }
  BOOST_TEST_REQUIRE(a.weights.size() == b.weights.size());
  for (std::size_t i = 0; i < a.weights.size(); ++i)
    BOOST_TEST_CONTEXT("weight tensor " << i << " of shape " << xg::shape_str(a.weights[i].shape())) {
      BOOST_TEST(bitwise_equal(a.weights[i], b.weights[i]));
    }
  BOOST_TEST(bitwise_equal(a.predictions, b.predictions));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(determinism)

BOOST_AUTO_TEST_CASE(same_seed_same_history_and_weights) {
  const Run a = mlp_run(99), b = mlp_run(99);
  expect_identical(a, b);
}

BOOST_AUTO_TEST_CASE(another_shuffle_seed_changes_the_run) {
  const Run a = mlp_run(99), b = mlp_run(100);
  BOOST_TEST(a.history.at("loss")[0] != b.history.at("loss")[0]);
  BOOST_TEST(!same_weights(a.weights, b.weights));
}

BOOST_AUTO_TEST_CASE(mlp_identical_at_one_and_two_threads) {
  Run one, two;
  {
    ThreadsGuard threads(1);
    one = mlp_run(99);
  }
  {
    ThreadsGuard threads(2);
    two = mlp_run(99);
  }
  expect_identical(one, two);
}

BOOST_AUTO_TEST_CASE(cnn_identical_at_one_and_two_threads) {
  const int previous = xg::get_num_threads();
  Run one, two;
  {
    ThreadsGuard threads(1);
    one = cnn_run();
  }
  {
    ThreadsGuard threads(2);
    two = cnn_run();
  }
  BOOST_TEST(xg::get_num_threads() == previous);  // the guard restored the bound
  expect_identical(one, two);
}

BOOST_AUTO_TEST_SUITE_END()
