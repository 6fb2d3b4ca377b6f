// FitOptions semantics, observed through a network that records the sample ids it is fed: the
// validation split is the LAST fraction of the data, validation_data replaces it, shuffle = false
// keeps the data order, shuffling permutes the training part differently every epoch,
// initial_epoch resumes at that epoch, the History has Keras' keys, and lazily built layers are
// trained too.
#include "helpers.hpp"

#include <algorithm>
#include <numeric>

using namespace train_test;

namespace {

// Column 0 of every input row is a sample id; the net records the ids of each forward, separately
// for training and evaluation mode, and predicts y from column 1 with a Dense(1).
struct IdNet : nn::Module {
  IdNet() : Module("IdNet") { fc = register_module("fc", std::make_shared<nn::Dense>(1, nn::DenseOptions{.in_features = 2})); }
  Tensor forward(const Tensor& x) override {
    // fit's weight-building probe (one sample in eval mode, see Model::bind_optimizer) is not
    // recorded; no test here evaluates a batch of one.
    if (!is_training() && x.size(0) == 1) return (*fc)(x);
    const auto ids = xg::slice(x, 1, 0, 1).to_vector<double>();
    auto& batches = is_training() ? train_batches : eval_batches;
    batches.emplace_back(ids.begin(), ids.end());
    return (*fc)(x);
  }
  std::vector<std::int64_t> train_ids() const { return flat(train_batches); }
  std::vector<std::int64_t> eval_ids() const { return flat(eval_batches); }
  static std::vector<std::int64_t> flat(const std::vector<std::vector<double>>& batches) {
    std::vector<std::int64_t> out;
    for (const auto& b : batches)
      for (double v : b) out.push_back(static_cast<std::int64_t>(v));
    return out;
  }
  void clear() {
    train_batches.clear();
    eval_batches.clear();
  }
  std::shared_ptr<nn::Dense> fc;
  std::vector<std::vector<double>> train_batches, eval_batches;
};

// n samples: x = [id, feature], y = feature * 2 for the first 80 samples and -5 afterwards, so a
// loss over the head and one over the tail differ.
struct IdData {
  Tensor x, y;
};
IdData id_data(std::int64_t n, std::int64_t first_id = 0) {
  std::vector<float> x, y;
  for (std::int64_t i = 0; i < n; ++i) {
    const float feature = static_cast<float>((i * 37) % 11) / 11.0f;
    x.push_back(static_cast<float>(first_id + i));
    x.push_back(feature);
    y.push_back(i < 80 ? 2.0f * feature : -5.0f);
  }
  return {xg::from_vector(x, {n, 2}), xg::from_vector(y, {n, 1})};
}

std::vector<std::int64_t> iota_ids(std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(end - begin));
  std::iota(v.begin(), v.end(), begin);
  return v;
}

std::vector<std::int64_t> sorted(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fit_options)

BOOST_AUTO_TEST_CASE(validation_split_holds_out_the_last_fraction) {
  auto net = std::make_shared<IdNet>();
  xg::train::Model model(net);
  model.compile({.loss = "mse", .optimizer = xg::optim::SGD({.lr = 0.01})});
  const IdData d = id_data(100);
  const auto history =
      model.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .validation_split = 0.25, .verbose = 0, .seed = 3});
  // Training saw the first 75 samples each epoch, validation the last 25 in order.
  const auto train_ids = net->train_ids();
  BOOST_TEST_REQUIRE(train_ids.size() == 150u);
  BOOST_TEST(sorted({train_ids.begin(), train_ids.begin() + 75}) == iota_ids(0, 75), boost::test_tools::per_element());
  BOOST_TEST(sorted({train_ids.begin() + 75, train_ids.end()}) == iota_ids(0, 75), boost::test_tools::per_element());
  std::vector<std::int64_t> expected_eval = iota_ids(75, 100);
  expected_eval.insert(expected_eval.end(), expected_eval.begin(), expected_eval.end());
  BOOST_TEST(net->eval_ids() == expected_eval, boost::test_tools::per_element());
  // The last epoch's val_loss is evaluate() on the tail with the final weights, not on the head.
  const double tail = model.evaluate(rows(d.x, 75, 100), rows(d.y, 75, 100), {.batch_size = 16}).at("loss");
  const double head = model.evaluate(rows(d.x, 0, 75), rows(d.y, 0, 75), {.batch_size = 16}).at("loss");
  BOOST_TEST(history.at("val_loss").back() == tail);
  BOOST_TEST(std::abs(tail - head) > 1.0);
}

BOOST_AUTO_TEST_CASE(validation_data_takes_precedence_over_the_split) {
  auto net = std::make_shared<IdNet>();
  xg::train::Model model(net);
  model.compile({.loss = "mse", .optimizer = xg::optim::SGD({.lr = 0.01})});
  const IdData d = id_data(40), v = id_data(10, 1000);
  const auto history = model.fit(d.x, d.y,
                                 {.epochs = 1, .batch_size = 8, .validation_split = 0.5,
                                  .validation_data = xg::train::ValidationData{v.x, v.y}, .verbose = 0});
  BOOST_TEST(sorted(net->train_ids()) == iota_ids(0, 40), boost::test_tools::per_element());
  BOOST_TEST(net->eval_ids() == iota_ids(1000, 1010), boost::test_tools::per_element());
  BOOST_TEST(history.at("val_loss")[0] == model.evaluate(v.x, v.y, {.batch_size = 8}).at("loss"));
}

BOOST_AUTO_TEST_CASE(shuffle_false_keeps_the_order) {
  auto net = std::make_shared<IdNet>();
  xg::train::Model model(net);
  model.compile({.loss = "mse", .optimizer = xg::optim::SGD({.lr = 0.01})});
  const IdData d = id_data(50);
  model.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .shuffle = false, .verbose = 0});
  std::vector<std::int64_t> expected = iota_ids(0, 50);
  expected.insert(expected.end(), expected.begin(), expected.end());
  BOOST_TEST(net->train_ids() == expected, boost::test_tools::per_element());
  // Batches of 16, 16, 16 and the 2 left over.
  BOOST_TEST_REQUIRE(net->train_batches.size() == 8u);
  BOOST_TEST(net->train_batches[3].size() == 2u);
}

BOOST_AUTO_TEST_CASE(shuffle_permutes_each_epoch_from_the_seed) {
  auto orders = [](std::uint64_t seed) {
    auto net = std::make_shared<IdNet>();
    xg::train::Model model(net);
    model.compile({.loss = "mse", .optimizer = xg::optim::SGD({.lr = 0.01})});
    const IdData d = id_data(64);
    model.fit(d.x, d.y, {.epochs = 2, .batch_size = 64, .verbose = 0, .seed = seed});
    return net->train_batches;
  };
  const auto a = orders(17), b = orders(17), c = orders(18);
  BOOST_TEST_REQUIRE(a.size() == 2u);
  for (const auto& epoch : a) {
    std::vector<std::int64_t> ids = IdNet::flat({epoch});
    BOOST_TEST(ids != iota_ids(0, 64));                                                  // shuffled...
    BOOST_TEST(sorted(ids) == iota_ids(0, 64), boost::test_tools::per_element());       // ...a permutation
  }
  BOOST_TEST(a[0] != a[1]);  // a new order every epoch
  BOOST_TEST(a == b);        // the same seed gives the same orders
  BOOST_TEST(a != c);        // another seed other orders
}

BOOST_AUTO_TEST_CASE(initial_epoch_resumes_at_that_epoch) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "sgd", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();
  std::vector<int> begun, ended;
  auto cb = std::make_shared<xg::train::LambdaCallback>();
  cb->epoch_begin = [&](xg::train::Model&, int e) { begun.push_back(e); };
  cb->epoch_end = [&](xg::train::Model&, int e, const xg::train::Logs&) { ended.push_back(e); };
  std::string out;
  xg::train::History history;
  {
    CoutCapture capture;
    history = model.fit(d.x, d.y, {.epochs = 5, .batch_size = 8, .verbose = 2, .callbacks = {cb}, .initial_epoch = 3});
    out = capture.text();
  }
  BOOST_TEST(history.epochs() == (std::vector<int>{3, 4}), boost::test_tools::per_element());
  BOOST_TEST(begun == (std::vector<int>{3, 4}), boost::test_tools::per_element());
  BOOST_TEST(ended == (std::vector<int>{3, 4}), boost::test_tools::per_element());
  BOOST_TEST(history.at("loss").size() == 2u);
  BOOST_TEST(out.find("Epoch 4/5\n") != std::string::npos, out);
  BOOST_TEST(out.find("Epoch 5/5\n") != std::string::npos, out);
  BOOST_TEST(out.find("Epoch 3/5") == std::string::npos, out);
  // initial_epoch >= epochs trains nothing.
  const auto none = model.fit(d.x, d.y, {.epochs = 2, .verbose = 0, .initial_epoch = 2});
  BOOST_TEST(none.empty());
}

BOOST_AUTO_TEST_CASE(history_has_keras_keys) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();
  const auto with_val = model.fit(d.x, d.y, {.epochs = 3, .batch_size = 8, .validation_split = 0.25, .verbose = 0});
  std::vector<std::string> keys;
  for (const auto& [k, v] : with_val.values()) {
    keys.push_back(k);
    BOOST_TEST(v.size() == 3u);
  }
  BOOST_TEST(keys == (std::vector<std::string>{"accuracy", "loss", "val_accuracy", "val_loss"}),
             boost::test_tools::per_element());
  BOOST_TEST(with_val.epochs() == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
  for (double a : with_val.at("accuracy")) BOOST_TEST((a >= 0.0 && a <= 1.0));
  const auto without_val = model.fit(d.x, d.y, {.epochs = 1, .verbose = 0});
  BOOST_TEST(without_val.contains("loss"));
  BOOST_TEST(without_val.contains("accuracy"));
  BOOST_TEST(!without_val.contains("val_loss"));
  xg::test::expect_error<xg::ValueError>([&] { without_val.at("val_loss"); }, {"val_loss", "accuracy, loss"});
}

BOOST_AUTO_TEST_CASE(lazily_built_layers_are_trained) {
  // The first layer knows its input size, the second is built by the first forward: the optimizer
  // must still hold (and update) both layers' weights.
  const TinyData d = tiny_data();
  xg::manual_seed(5);
  xg::Sequential model{nn::Dense(8, {.in_features = 4, .activation = "relu"}), nn::Dense(2, {.activation = "softmax"})};
  model.compile({.loss = "categorical_crossentropy", .optimizer = xg::optim::SGD({.lr = 0.1})});
  model.fit(d.x, d.y, {.epochs = 1, .batch_size = 32, .verbose = 0});
  auto& output = model.at<nn::Dense>(1);
  BOOST_TEST_REQUIRE(output.built());
  BOOST_TEST(model.optimizer().num_parameters() == model.parameters().size());
  const Tensor after_one = output.weight.clone();
  model.fit(d.x, d.y, {.epochs = 1, .batch_size = 32, .verbose = 0});
  BOOST_TEST(!bitwise_equal(after_one, output.weight));
}

BOOST_AUTO_TEST_SUITE_END()
