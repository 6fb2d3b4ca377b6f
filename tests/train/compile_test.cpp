// compile with Keras names and with objects (optimizer, nn::Loss, nn::Metric), the defaults, and
// the clear errors: unknown names list the valid ones; fit / evaluate before compile, empty data,
// mismatched x and y, a bad validation_split, batch_size 0 and bad epochs are rejected.
#include "helpers.hpp"

using namespace train_test;

BOOST_AUTO_TEST_SUITE(compile)

BOOST_AUTO_TEST_CASE(names) {
  xg::Sequential model = tiny_model();
  BOOST_TEST(!model.compiled());
  model.compile({.loss = "mse", .optimizer = "sgd", .metrics = {"acc", "top_k_categorical_accuracy"}});
  BOOST_TEST(model.compiled());
  BOOST_TEST(model.loss().name == "mse");
  BOOST_TEST(model.optimizer().name() == "SGD");
  BOOST_TEST(model.optimizer().lr() == 0.01);
  const TinyData d = tiny_data();
  const auto scores = model.evaluate(d.x, d.y);
  std::vector<std::string> keys;
  for (const auto& [k, v] : scores) keys.push_back(k);
  // "acc" is reported as "accuracy", as in Keras.
  BOOST_TEST(keys == (std::vector<std::string>{"accuracy", "loss", "top_k_categorical_accuracy"}),
             boost::test_tools::per_element());
  BOOST_TEST(scores.at("top_k_categorical_accuracy") == 1.0);  // 2 classes: always in the top 5
}

BOOST_AUTO_TEST_CASE(defaults_are_keras_defaults) {
  xg::Sequential model = tiny_model();
  model.compile({});
  BOOST_TEST(model.loss().name == "categorical_crossentropy");
  BOOST_TEST(model.optimizer().name() == "RMSprop");
  BOOST_TEST(model.optimizer().lr() == 0.001);
  const TinyData d = tiny_data();
  const auto scores = model.evaluate(d.x, d.y);
  BOOST_TEST(scores.size() == 1u);
  BOOST_TEST(scores.count("loss") == 1u);
}

BOOST_AUTO_TEST_CASE(objects) {
  xg::Sequential model = tiny_model();
  int loss_calls = 0, metric_calls = 0;
  const nn::Loss my_loss{"my_mse", [&](const Tensor& p, const Tensor& t) {
                           ++loss_calls;
                           return nn::mse_loss(p, t);
                         }};
  const nn::Metric my_metric{"mean_prediction", [&](const Tensor& p, const Tensor&) {
                               ++metric_calls;
                               return p.mean().item();
                             }};
  model.compile({.loss = my_loss, .optimizer = xg::optim::Adam({.lr = 0.005}), .metrics = {my_metric, "accuracy"}});
  BOOST_TEST(model.loss().name == "my_mse");
  BOOST_TEST(model.optimizer().name() == "Adam");
  BOOST_TEST(model.optimizer().lr() == 0.005);
  const TinyData d = tiny_data();
  const auto history = model.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .validation_split = 0.5, .verbose = 0});
  // 16 training samples in one batch, 16 validation samples in one batch, two epochs.
  BOOST_TEST(loss_calls == 4);
  BOOST_TEST(metric_calls == 4);
  // Softmax outputs of 2 classes average exactly 0.5.
  for (double v : history.at("mean_prediction")) BOOST_TEST(v == 0.5, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(history.contains("val_mean_prediction"));
  BOOST_TEST(history.contains("val_accuracy"));
}

BOOST_AUTO_TEST_CASE(a_shared_optimizer_object) {
  xg::Sequential model = tiny_model();
  auto sgd = std::make_shared<xg::optim::SGD>(xg::optim::SGDOptions{.lr = 0.2, .momentum = 0.9});
  model.compile({.loss = "categorical_crossentropy", .optimizer = sgd});
  BOOST_TEST(&model.optimizer() == sgd.get());
  const TinyData d = tiny_data();
  model.fit(d.x, d.y, {.epochs = 1, .verbose = 0});
  BOOST_TEST(sgd->num_parameters() == 2u);  // bound to the model's weight and bias at fit time
}

BOOST_AUTO_TEST_CASE(unknown_names_list_the_valid_ones) {
  xg::Sequential model = tiny_model();
  xg::test::expect_error<xg::ValueError>([&] { model.compile({.loss = "categorical_crossentropyy"}); },
                                         {"unknown loss 'categorical_crossentropyy'", "categorical_crossentropy",
                                          "sparse_categorical_crossentropy", "mse"});
  xg::test::expect_error<xg::ValueError>([&] { model.compile({.optimizer = "adamm"}); },
                                         {"adamm", "adam", "sgd", "rmsprop"});
  xg::test::expect_error<xg::ValueError>([&] { model.compile({.metrics = {"accuracy", "f1"}}); },
                                         {"'f1'", "accuracy", "categorical_accuracy"});
  BOOST_TEST(!model.compiled());
}

BOOST_AUTO_TEST_CASE(use_before_compile) {
  xg::Sequential model = tiny_model();
  const TinyData d = tiny_data();
  xg::test::expect_error<xg::ValueError>([&] { model.fit(d.x, d.y); }, {"fit", "compiled first"});
  xg::test::expect_error<xg::ValueError>([&] { model.evaluate(d.x, d.y); }, {"evaluate", "compiled first"});
  xg::test::expect_error<xg::ValueError>([&] { model.optimizer(); }, {"compiled first"});
  // predict needs no compile.
  BOOST_TEST(xg::shape_str(model.predict(d.x).shape()) == "[32, 2]");
}

BOOST_AUTO_TEST_CASE(bad_fit_arguments) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "sgd"});
  const TinyData d = tiny_data();
  xg::test::expect_error<xg::ValueError>([&] { model.fit(xg::zeros({0, 4}), xg::zeros({0, 2})); },
                                         {"fit", "no samples", "[0, 4]"});
  xg::test::expect_error<xg::ShapeError>([&] { model.fit(d.x, rows(d.y, 0, 30)); },
                                         {"fit", "x has 32 samples", "y has 30", "[30, 2]"});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(Tensor(), d.y); }, {"fit", "defined"});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(d.x, d.y, {.validation_split = 1.0}); },
                                         {"validation_split must be in [0, 1)", "1.0"});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(d.x, d.y, {.validation_split = -0.1}); },
                                         {"validation_split must be in [0, 1)", "-0.1"});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(rows(d.x, 0, 1), rows(d.y, 0, 1), {.validation_split = 0.5}); },
                                         {"validation_split", "empty training or validation set"});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(d.x, d.y, {.batch_size = 0}); },
                                         {"batch_size must be positive", "got 0"});
  xg::test::expect_error<xg::ValueError>([&] { model.fit(d.x, d.y, {.epochs = -1}); }, {"epochs"});
  xg::test::expect_error<xg::ShapeError>(
      [&] { model.fit(d.x, d.y, {.validation_data = xg::train::ValidationData{rows(d.x, 0, 4), rows(d.y, 0, 3)}}); },
      {"validation data", "x has 4 samples", "y has 3"});
  xg::test::expect_error<xg::ValueError>([&] { model.evaluate(d.x, d.y, {.batch_size = 0}); }, {"evaluate", "batch_size"});
  xg::test::expect_error<xg::ShapeError>([&] { model.evaluate(d.x, rows(d.y, 0, 5)); }, {"evaluate", "32", "5"});
}

BOOST_AUTO_TEST_CASE(a_null_module_is_rejected) {
  xg::test::expect_error<xg::ValueError>([] { xg::train::Model model(nullptr); }, {"Model", "null"});
  xg::Sequential model = tiny_model();
  xg::test::expect_error<xg::ValueError>(
      [&] { model.compile({.optimizer = std::shared_ptr<xg::optim::Optimizer>()}); }, {"compile", "optimizer is null"});
}

BOOST_AUTO_TEST_SUITE_END()
