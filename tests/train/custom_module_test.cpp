// A custom nn::Module (PyTorch style: registered children, logits out) wrapped in
// train::Model(std::make_shared<Net>()) trains with fit like a Sequential, and the caller's handle
// on the module sees the trained weights.
#include "helpers.hpp"

using namespace train_test;

namespace {

struct Net : nn::Module {
  Net() : Module("Net") {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 64));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(64, 10));
  }
  Tensor forward(const Tensor& x) override { return (*fc2)(xg::relu((*fc1)(x))); }
  std::shared_ptr<nn::Linear> fc1, fc2;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(custom_module)

BOOST_AUTO_TEST_CASE(wrapped_module_trains) {
  const auto& data = mnist_subset();
  xg::manual_seed(8);
  auto net = std::make_shared<Net>();
  xg::train::Model model(net);
  BOOST_TEST(&model.network() == net.get());
  model.compile({.loss = "cross_entropy", .optimizer = xg::optim::Adam({.lr = 1e-3}), .metrics = {"accuracy"}});
  const Tensor fc1_before = net->fc1->weight.clone();
  const double before = model.evaluate(data.x_test, data.labels_test).at("accuracy");
  const auto history = model.fit(data.x_train, data.labels_train,
                                 {.epochs = 6, .batch_size = 32, .validation_split = 0.2, .verbose = 0, .seed = 4});
  const double after = model.evaluate(data.x_test, data.labels_test).at("accuracy");
  BOOST_TEST_MESSAGE("custom module: test accuracy " << before << " -> " << after);
  BOOST_TEST(before < 0.3);
  BOOST_TEST(after > 0.8);
  BOOST_TEST(history.at("val_accuracy").back() > 0.75);
  BOOST_TEST(!bitwise_equal(fc1_before, net->fc1->weight));  // the shared module was trained in place
  BOOST_TEST(model.optimizer().num_parameters() == 4u);
  // predict returns the module's raw outputs (logits here).
  const Tensor logits = model.predict(rows(data.x_test, 0, 5));
  BOOST_TEST(xg::shape_str(logits.shape()) == "[5, 10]");
  xg::NoGradGuard no_grad;
  xg::test::expect_values(logits, {5, 10}, (*net)(rows(data.x_test, 0, 5)).to_vector<double>(), 1e-6);
}

BOOST_AUTO_TEST_CASE(model_is_movable) {
  auto net = std::make_shared<Net>();
  xg::train::Model a(net);
  a.compile({.loss = "cross_entropy", .optimizer = "sgd"});
  xg::train::Model b(std::move(a));
  BOOST_TEST(b.compiled());
  BOOST_TEST(&b.network() == net.get());
  BOOST_TEST(b.optimizer().name() == "SGD");
}

BOOST_AUTO_TEST_SUITE_END()
