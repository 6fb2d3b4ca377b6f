// fit on real MNIST: a small Dense model trained for a few epochs on the first 2000 training
// images is far more accurate on 1000 test images than before training, with one-hot labels and
// categorical cross-entropy, with sparse labels and sparse_categorical_crossentropy, and when fit
// is given a dataset split.
#include "helpers.hpp"

using namespace train_test;

BOOST_AUTO_TEST_SUITE(fit_mnist)

BOOST_AUTO_TEST_CASE(one_hot_labels_accuracy_improves) {
  const auto& data = mnist_subset();
  xg::manual_seed(1);
  xg::Sequential model = mlp(784, 64);
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const auto before = model.evaluate(data.x_test, data.y_test, {.batch_size = 250});
  const auto history = model.fit(data.x_train, data.y_train,
                                 {.epochs = 6, .batch_size = 32, .verbose = 0, .seed = 11});
  const auto after = model.evaluate(data.x_test, data.y_test, {.batch_size = 250});
  BOOST_TEST_MESSAGE("MNIST MLP test accuracy " << before.at("accuracy") << " -> " << after.at("accuracy"));
  BOOST_TEST(before.at("accuracy") < 0.3);
  BOOST_TEST(after.at("accuracy") > 0.8);
  BOOST_TEST(after.at("loss") < before.at("loss") / 2);
  const auto& loss = history.at("loss");
  BOOST_TEST_REQUIRE(loss.size() == 6u);
  BOOST_TEST(loss[5] < loss[0]);
  BOOST_TEST(history.at("accuracy")[5] > history.at("accuracy")[0]);
}

BOOST_AUTO_TEST_CASE(sparse_labels_accuracy_improves) {
  const auto& data = mnist_subset();
  xg::manual_seed(2);
  xg::Sequential model = mlp(784, 64);
  model.compile({.loss = "sparse_categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const double before = model.evaluate(data.x_test, data.labels_test).at("accuracy");
  model.fit(data.x_train, data.labels_train,
            {.epochs = 6, .batch_size = 32, .verbose = 0, .seed = 12});
  const double after = model.evaluate(data.x_test, data.labels_test).at("accuracy");
  BOOST_TEST_MESSAGE("sparse labels: test accuracy " << before << " -> " << after);
  BOOST_TEST(before < 0.3);
  BOOST_TEST(after > 0.8);
}

BOOST_AUTO_TEST_CASE(fit_and_evaluate_take_a_dataset_split) {
  const auto& data = mnist_subset();
  xg::manual_seed(3);
  xg::Sequential model{nn::Flatten(), nn::Dense(64, {.activation = "relu"}), nn::Dense(10, {.activation = "softmax"})};
  model.compile({.loss = "sparse_categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const auto history = model.fit(data.train_split, {.epochs = 6, .batch_size = 32, .validation_split = 0.1, .verbose = 0});
  const auto scores = model.evaluate(data.test_split);
  BOOST_TEST(history.at("val_accuracy").back() > 0.75);
  BOOST_TEST(scores.at("accuracy") > 0.8);
  // The split overload is the tensor overload.
  const auto direct = model.evaluate(data.test_split.images, data.test_split.labels);
  BOOST_TEST(direct.at("accuracy") == scores.at("accuracy"));
  BOOST_TEST(direct.at("loss") == scores.at("loss"));
}

BOOST_AUTO_TEST_SUITE_END()
