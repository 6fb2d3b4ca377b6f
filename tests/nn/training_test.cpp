// End to end: an MLP (Dense 8 tanh -> Dense 1 sigmoid) learns XOR with binary cross-entropy and a
// hand-written SGD step under NoGradGuard (independent of optim/), within a bounded number of
// steps, reproducibly for a fixed seed.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <vector>

using xg::Tensor;
namespace nn = xg::nn;

namespace {

struct Run {
  int steps = 0;  ///< SGD steps taken until every point was classified right with loss < 0.05
  double first_loss = 0, last_loss = 0, accuracy = 0;
  std::vector<double> predictions;
};

Run train_xor(std::uint64_t seed, int max_steps) {
  xg::manual_seed(seed);
  nn::Sequential model{nn::Dense(8, {.in_features = 2, .activation = "tanh"}), nn::Dense(1, {.activation = "sigmoid"})};
  const Tensor x = xg::tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  const Tensor y = xg::tensor({{0}, {1}, {1}, {0}});
  constexpr double lr = 0.5;
  Run run;
  for (run.steps = 0; run.steps < max_steps; ++run.steps) {
    const Tensor pred = model(x);
    const Tensor loss = nn::binary_crossentropy(pred, y);
    run.last_loss = loss.item();
    if (run.steps == 0) run.first_loss = run.last_loss;
    run.accuracy = nn::accuracy(pred, y);
    if (run.accuracy == 1.0 && run.last_loss < 0.05) break;
    model.zero_grad();
    loss.backward();
    xg::NoGradGuard no_grad;
    for (auto& p : model.parameters()) p.add_(p.grad(), -lr);
  }
  model.eval();
  run.predictions = model(x).to_vector<double>();
  return run;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(training)

BOOST_AUTO_TEST_CASE(mlp_learns_xor) {
  const Run run = train_xor(2024, 3000);
  BOOST_TEST_MESSAGE("XOR solved after " << run.steps << " steps, loss " << run.first_loss << " -> " << run.last_loss);
  BOOST_TEST(run.accuracy == 1.0);
  BOOST_TEST(run.steps < 3000);
  BOOST_TEST(run.last_loss < 0.05);
  BOOST_TEST(run.first_loss > 0.5);  // started near chance (ln 2 = 0.69)
  BOOST_TEST_REQUIRE(run.predictions.size() == 4u);
  BOOST_TEST(run.predictions[0] < 0.2);
  BOOST_TEST(run.predictions[1] > 0.8);
  BOOST_TEST(run.predictions[2] > 0.8);
  BOOST_TEST(run.predictions[3] < 0.2);
}

BOOST_AUTO_TEST_CASE(same_seed_same_training_run) {
  const Run a = train_xor(7, 200), b = train_xor(7, 200), c = train_xor(8, 200);
  BOOST_TEST(a.last_loss == b.last_loss);
  BOOST_TEST(a.predictions == b.predictions, boost::test_tools::per_element());
  BOOST_TEST(a.predictions != c.predictions);
}

BOOST_AUTO_TEST_SUITE_END()
