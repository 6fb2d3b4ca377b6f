// predict and evaluate: batched prediction equals one forward over all samples in eval mode,
// records no graph, leaves dropout inactive and restores the training flag; evaluate equals the
// loss and accuracy computed by hand over the whole set, whatever the batch size.
#include "helpers.hpp"

using namespace train_test;

namespace {

xg::Sequential dropout_mlp() {
  xg::manual_seed(21);
  return xg::Sequential{nn::Dense(64, {.in_features = 784, .activation = "relu"}), nn::Dropout(0.5),
                        nn::Dense(10, {.activation = "softmax"})};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(predict_evaluate)

BOOST_AUTO_TEST_CASE(predict_equals_one_forward_in_eval_mode) {
  const auto& data = mnist_subset();
  xg::Sequential model = dropout_mlp();
  const Tensor x = rows(data.x_test, 0, 300);
  const Tensor predicted = model.predict(x, {.batch_size = 64});  // 4 full batches and one of 44
  BOOST_TEST(model.is_training());  // the training flag is restored
  Tensor reference;
  {
    xg::NoGradGuard no_grad;
    model.eval();
    reference = model(x);
    model.train();
  }
  BOOST_TEST(xg::shape_str(predicted.shape()) == "[300, 10]");
  BOOST_TEST(predicted.dtype() == xg::kFloat32);
  xg::test::expect_values(predicted, {300, 10}, reference.to_vector<double>(), 1e-6);
  // No graph, and dropout is off: predicting again gives the same values.
  BOOST_TEST(!predicted.requires_grad());
  BOOST_TEST(predicted.grad_fn() == nullptr);
  BOOST_TEST(bitwise_equal(model.predict(x, {.batch_size = 64}), predicted));
  // In training mode dropout changes the forward.
  Tensor noisy;
  {
    xg::NoGradGuard no_grad;
    noisy = model(x);
  }
  BOOST_TEST(!bitwise_equal(noisy, predicted));
}

BOOST_AUTO_TEST_CASE(predict_batch_size_does_not_change_the_result) {
  const auto& data = mnist_subset();
  xg::Sequential model = dropout_mlp();
  const Tensor x = rows(data.x_test, 0, 100);
  const Tensor all = model.predict(x, {.batch_size = 100});
  for (const std::int64_t bs : {1, 7, 32, 1000}) {
    BOOST_TEST_CONTEXT("batch size " << bs) { xg::test::expect_values(model.predict(x, {.batch_size = bs}), {100, 10}, all.to_vector<double>(), 1e-6); }
  }
}

BOOST_AUTO_TEST_CASE(predict_errors) {
  xg::Sequential model = tiny_model();
  xg::test::expect_error<xg::ValueError>([&] { model.predict(xg::zeros({0, 4})); }, {"predict", "no samples"});
  xg::test::expect_error<xg::ValueError>([&] { model.predict(xg::zeros({3, 4}), {.batch_size = 0}); },
                                         {"predict", "batch_size"});
  xg::test::expect_error<xg::ShapeError>([&] { model.predict(xg::scalar_tensor(1.0)); }, {"predict", "sample axis"});
  xg::test::expect_error<xg::ShapeError>([&] { model.predict(xg::zeros({3, 5})); }, {"4 features", "[3, 5]"});
}

BOOST_AUTO_TEST_CASE(evaluate_equals_a_manual_computation) {
  const auto& data = mnist_subset();
  xg::Sequential model = dropout_mlp();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  model.fit(data.x_train, data.y_train, {.epochs = 2, .verbose = 0});
  const Tensor x = rows(data.x_test, 0, 333), y = rows(data.y_test, 0, 333);
  double loss = 0, accuracy = 0;
  {
    xg::NoGradGuard no_grad;
    model.eval();
    const Tensor probs = model(x);
    model.train();
    loss = nn::categorical_crossentropy(probs, y).item();
    // Accuracy by hand: arg-max of the prediction against the label.
    const auto predicted = xg::argmax(probs, 1).to_vector<std::int64_t>();
    const auto labels = rows(data.labels_test, 0, 333).to_vector<std::int64_t>();
    int hits = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) hits += predicted[i] == labels[i];
    accuracy = hits / 333.0;
  }
  for (const std::int64_t bs : {32, 100, 333, 1000}) {
    BOOST_TEST_CONTEXT("batch size " << bs) {
      const auto scores = model.evaluate(x, y, {.batch_size = bs});
      BOOST_TEST(scores.size() == 2u);
      BOOST_TEST(scores.at("loss") == loss, boost::test_tools::tolerance(1e-5));
      BOOST_TEST(scores.at("accuracy") == accuracy, boost::test_tools::tolerance(1e-12));
    }
  }
  BOOST_TEST_MESSAGE("evaluate: accuracy " << accuracy);
  BOOST_TEST(accuracy > 0.6);  // trained: far above chance (0.1)
}

BOOST_AUTO_TEST_SUITE_END()
