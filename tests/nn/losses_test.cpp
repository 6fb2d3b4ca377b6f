// Losses against hand-computed values on small tensors, the three reductions, label smoothing,
// agreement between the probability and logit forms, stability on huge logits, error messages,
// and gradchecks w.r.t. the predictions (float64, inputs away from clipping and kinks).
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

#include <cmath>

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
using namespace nn_test;
namespace nn = xg::nn;
using nn::Reduction;

namespace {

// logits [[1, 2, 3], [1, 1, 1]] with labels [2, 0]: -log softmax picks.
const double kCe0 = 0.4076059644443803;  // log(e + e^2 + e^3) - 3
const double kCe1 = std::log(3.0);

Tensor logits() { return f64({{1, 2, 3}, {1, 1, 1}}); }
Tensor labels() { return xg::from_vector(std::vector<std::int64_t>{2, 0}, {2}); }
Tensor labels_of(std::vector<std::int64_t> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return xg::from_vector(v, {n});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(losses)

BOOST_AUTO_TEST_CASE(cross_entropy_values_and_reductions) {
  expect_values(nn::cross_entropy(logits(), labels()), {}, {(kCe0 + kCe1) / 2}, 1e-12);
  expect_values(nn::cross_entropy(logits(), labels(), {.reduction = Reduction::Sum}), {}, {kCe0 + kCe1}, 1e-12);
  expect_values(nn::cross_entropy(logits(), labels(), {.reduction = Reduction::None}), {2}, {kCe0, kCe1}, 1e-12);
  // A single sample: logits [C], label [].
  expect_values(nn::cross_entropy(f64({1, 2, 3}), xg::scalar_tensor(2, {.dtype = xg::kInt64})), {}, {kCe0}, 1e-12);
  // Reduction::None of a single sample is 0-d too, as PyTorch.
  expect_values(nn::cross_entropy(f64({1, 2, 3}), xg::scalar_tensor(2, {.dtype = xg::kInt64}),
                                  {.reduction = Reduction::None}),
                {}, {kCe0}, 1e-12);
  expect_values(nn::nll_loss(f64({-1, -2}), xg::scalar_tensor(1, {.dtype = xg::kInt64}), Reduction::None), {}, {2},
                1e-12);
  // nll_loss on log-probabilities gives the same numbers.
  const Tensor log_probs = nn::functional::log_softmax(logits(), -1);
  expect_values(nn::nll_loss(log_probs, labels(), Reduction::None), {2}, {kCe0, kCe1}, 1e-12);
  expect_values(nn::nll_loss(log_probs, labels()), {}, {(kCe0 + kCe1) / 2}, 1e-12);
}

BOOST_AUTO_TEST_CASE(label_smoothing_mixes_in_the_uniform_distribution) {
  // Sample 0: -log p = [2.4076, 1.4076, 0.4076], mean 1.4076; (1 - s) * 0.4076 + s * 1.4076.
  const double s = 0.1;
  const double smoothed0 = (1 - s) * kCe0 + s * (kCe0 + 1.0);
  expect_values(nn::cross_entropy(logits(), labels(), {.reduction = Reduction::None, .label_smoothing = s}), {2},
                {smoothed0, kCe1}, 1e-12);
  expect_error<xg::ValueError>([] { nn::cross_entropy(logits(), labels(), {.label_smoothing = 1.5}); },
                               {"label_smoothing must be in [0, 1]"});
}

BOOST_AUTO_TEST_CASE(probability_and_logit_forms_agree) {
  xg::manual_seed(41);
  const Tensor z = xg::randn({6, 4}, {.dtype = xg::kFloat64});
  const Tensor y = labels_of({0, 3, 1, 1, 2, 0});
  const Tensor onehot = f64({{1, 0, 0, 0}, {0, 0, 0, 1}, {0, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {1, 0, 0, 0}});
  const double reference = nn::cross_entropy(z, y).item();
  const Tensor probs = nn::functional::softmax(z, -1);
  BOOST_TEST(std::abs(nn::categorical_crossentropy(probs, onehot).item() - reference) < 1e-12);
  BOOST_TEST(std::abs(nn::categorical_crossentropy(z, onehot, {.from_logits = true}).item() - reference) < 1e-12);
  BOOST_TEST(std::abs(nn::sparse_categorical_crossentropy(probs, y).item() - reference) < 1e-12);
  BOOST_TEST(std::abs(nn::sparse_categorical_crossentropy(z, y, {.from_logits = true}).item() - reference) < 1e-12);
}

BOOST_AUTO_TEST_CASE(probability_losses_by_hand) {
  // -log 0.5 for the true class; unnormalized rows are renormalized first (Keras).
  expect_values(nn::sparse_categorical_crossentropy(f64({{0.2, 0.3, 0.5}}), labels_of({2})), {}, {std::log(2.0)}, 1e-12);
  expect_values(nn::categorical_crossentropy(f64({{2, 3, 5}}), f64({{0, 0, 1}})), {}, {std::log(2.0)}, 1e-12);
  // Soft targets: -(0.5 log 0.2 + 0.5 log 0.8).
  expect_values(nn::categorical_crossentropy(f64({{0.2, 0.8}}), f64({{0.5, 0.5}})), {},
                {-(0.5 * std::log(0.2) + 0.5 * std::log(0.8))}, 1e-12);
  // A zero probability is clipped to 1e-7 (finite loss).
  expect_values(nn::categorical_crossentropy(f64({{0, 1}}), f64({{1, 0}})), {}, {-std::log(1e-7)}, 1e-6);
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_values) {
  const double a = -std::log(0.9), b = -std::log(0.8);
  expect_values(nn::binary_crossentropy(f64({0.9, 0.2}), f64({1, 0})), {}, {(a + b) / 2}, 1e-12);
  expect_values(nn::binary_crossentropy(f64({0.9, 0.2}), f64({1, 0}), {.reduction = Reduction::None}), {2}, {a, b},
                1e-12);
  // [N, 2]: averaged over the last axis per sample.
  expect_values(nn::binary_crossentropy(f64({{0.9, 0.2}, {0.5, 0.5}}), f64({{1, 0}, {1, 1}}),
                                        {.reduction = Reduction::None}),
                {2}, {(a + b) / 2, std::log(2.0)}, 1e-12);
  // Logits: log 2 at 0, softplus(2) for logit 2 with target 0.
  const double softplus2 = std::log1p(std::exp(2.0));
  expect_values(nn::binary_crossentropy_with_logits(f64({0, 2}), f64({1, 0}), Reduction::Sum), {},
                {std::log(2.0) + softplus2}, 1e-12);
  expect_values(nn::binary_crossentropy(f64({0, 2}), f64({1, 0}), {.reduction = Reduction::Sum, .from_logits = true}),
                {}, {std::log(2.0) + softplus2}, 1e-12);
}

BOOST_AUTO_TEST_CASE(regression_losses) {
  const Tensor p = f64({1, 2, 3}), t = f64({1, 0, 5});
  expect_values(nn::mse_loss(p, t), {}, {8.0 / 3}, 1e-12);
  expect_values(nn::mse_loss(p, t, Reduction::Sum), {}, {8}, 1e-12);
  expect_values(nn::mse_loss(p, t, Reduction::None), {3}, {0, 4, 4}, 1e-12);
  expect_values(nn::mae_loss(p, t), {}, {4.0 / 3}, 1e-12);
  // Huber (delta 1): |d| = 0, 2, 2 -> 0, 1.5, 1.5; d = 0.5 is quadratic: 0.125.
  expect_values(nn::huber_loss(p, t), {}, {1.0}, 1e-12);
  expect_values(nn::huber_loss(f64({0.5}), f64({0}), 1.0, Reduction::Sum), {}, {0.125}, 1e-12);
  expect_values(nn::huber_loss(p, t, 3.0, Reduction::None), {3}, {0, 2, 2}, 1e-12);
  // 2-d: the per-sample mean over the last axis, then the reduction.
  const Tensor p2 = f64({{1, 2}, {3, 4}}), zero = f64({{0, 0}, {0, 0}});
  expect_values(nn::mse_loss(p2, zero, Reduction::None), {2}, {2.5, 12.5}, 1e-12);
  expect_values(nn::mse_loss(p2, zero), {}, {7.5}, 1e-12);
  expect_values(nn::mse_loss(p2, zero, Reduction::Sum), {}, {15}, 1e-12);
  expect_error<xg::ValueError>([&] { nn::huber_loss(p, t, 0.0); }, {"delta must be positive"});
}

BOOST_AUTO_TEST_CASE(stable_with_huge_logits) {
  const Tensor z = xg::tensor({{1e4, 0, -1e4}}, {.requires_grad = true});
  const Tensor loss = nn::cross_entropy(z, labels_of({1}));
  BOOST_TEST(loss.item() == 1e4);
  loss.backward();
  // d/dz = softmax - onehot = [1, -1, 0].
  expect_values(z.grad(), {1, 3}, {1, -1, 0});
  BOOST_TEST(std::isfinite(nn::categorical_crossentropy(z, xg::tensor({{0, 0, 1}}), {.from_logits = true}).item()));
  const Tensor big = xg::tensor({1e4, -1e4});
  expect_values(nn::binary_crossentropy_with_logits(big, xg::tensor({0, 1}), Reduction::None), {2}, {1e4, 1e4});
  expect_values(nn::binary_crossentropy_with_logits(big, xg::tensor({1, 0}), Reduction::None), {2}, {0, 0});
}

BOOST_AUTO_TEST_CASE(label_errors_name_label_and_range) {
  expect_error<xg::IndexError>([] { nn::cross_entropy(logits(), labels_of({2, 3})); },
                               {"cross_entropy", "label 3 at sample 1", "3 classes", "expected 0..2"});
  expect_error<xg::IndexError>([] { nn::nll_loss(logits(), labels_of({-1, 0})); }, {"label -1", "expected 0..2"});
  expect_error<xg::IndexError>([] { nn::sparse_categorical_crossentropy(logits(), labels_of({0, 5})); },
                               {"label 5"});
  expect_error<xg::DtypeError>([] { nn::cross_entropy(logits(), f64({2, 0})); },
                               {"labels must be int64", "categorical_crossentropy"});
}

BOOST_AUTO_TEST_CASE(shape_mismatches) {
  expect_error<xg::ShapeError>([] { nn::cross_entropy(logits(), labels_of({1, 2, 0})); },
                               {"cross_entropy", "[2, 3]", "[3]"});
  expect_error<xg::ShapeError>([] { nn::mse_loss(f64({{1, 2, 3}}), f64({{1}, {2}, {3}})); },
                               {"mse_loss", "[1, 3]", "[3, 1]", "same shape"});
  expect_error<xg::ShapeError>([] { nn::categorical_crossentropy(f64({{0.5, 0.5}}), f64({{1, 0, 0}})); },
                               {"categorical_crossentropy", "[1, 2]", "[1, 3]"});
  expect_error<xg::ShapeError>([] { nn::binary_crossentropy(f64({0.5}), f64({1, 0})); }, {"binary_crossentropy"});
}

BOOST_AUTO_TEST_CASE(gradcheck_every_loss_wrt_predictions) {
  xg::manual_seed(42);
  using Fn = xg::autograd::DifferentiableFn;
  const Tensor z = randn64({3, 4});
  const Tensor y = labels_of({3, 0, 2});
  const Tensor onehot = f64({{0, 0, 0, 1}, {1, 0, 0, 0}, {0, 0, 1, 0}});
  // Probabilities well inside (1e-7, 1 - 1e-7) so the clip is inactive.
  const Tensor probs = f64({{0.1, 0.2, 0.3, 0.4}, {0.25, 0.25, 0.25, 0.25}, {0.5, 0.2, 0.2, 0.1}}, true);
  const Tensor p = f64({{0.3, 0.8}, {0.6, 0.1}}, true), t = f64({{1, 0}, {0, 1}});
  // Differences away from 0 (mae's kink) and from +-delta (huber's).
  const Tensor r = f64({{0.3, -1.7}, {2.5, -0.4}}, true), target = f64({{0, 0}, {0, 0}});
  const std::vector<std::pair<const char*, std::pair<Fn, Tensor>>> cases = {
      {"cross_entropy", {[&](const auto& in) { return nn::cross_entropy(in[0], y); }, z}},
      {"cross_entropy smoothed",
       {[&](const auto& in) { return nn::cross_entropy(in[0], y, {.reduction = Reduction::None, .label_smoothing = 0.2}); },
        z}},
      {"nll_loss", {[&](const auto& in) { return nn::nll_loss(in[0], y, Reduction::Sum); }, z}},
      {"categorical_crossentropy", {[&](const auto& in) { return nn::categorical_crossentropy(in[0], onehot); }, probs}},
      {"categorical_crossentropy logits",
       {[&](const auto& in) { return nn::categorical_crossentropy(in[0], onehot, {.from_logits = true}); }, z}},
      {"sparse_categorical_crossentropy",
       {[&](const auto& in) { return nn::sparse_categorical_crossentropy(in[0], y); }, probs}},
      // A softmax output is traced back to its logits (the fused path).
      {"categorical_crossentropy of softmax",
       {[&](const auto& in) { return nn::categorical_crossentropy(nn::functional::softmax(in[0]), onehot); }, z}},
      {"sparse_categorical_crossentropy of softmax",
       {[&](const auto& in) { return nn::sparse_categorical_crossentropy(nn::functional::softmax(in[0]), y); }, z}},
      {"binary_crossentropy", {[&](const auto& in) { return nn::binary_crossentropy(in[0], t); }, p}},
      {"binary_crossentropy_with_logits",
       {[&](const auto& in) { return nn::binary_crossentropy_with_logits(in[0], t, Reduction::None); }, r}},
      {"mse_loss", {[&](const auto& in) { return nn::mse_loss(in[0], target); }, r}},
      {"mae_loss", {[&](const auto& in) { return nn::mae_loss(in[0], target, Reduction::Sum); }, r}},
      {"huber_loss", {[&](const auto& in) { return nn::huber_loss(in[0], target, 1.0, Reduction::None); }, r}},
  };
  for (const auto& [name, c] : cases) {
    BOOST_TEST_CONTEXT(name) { expect_gradcheck(c.first, {c.second}); }
  }
}

BOOST_AUTO_TEST_CASE(softmax_output_uses_the_fused_logits_path) {
  // Same value as the clipped probability form, one fused node, and the exact gradient
  // softmax(z) - onehot (over the batch mean) even where the probability form would clip.
  const Tensor z = f64({{1.0, 2.0, 0.5}, {40.0, -40.0, 0.0}}, true);
  const Tensor onehot = f64({{0, 1, 0}, {0, 1, 0}});
  const Tensor probs = nn::functional::softmax(z);
  const Tensor loss = nn::categorical_crossentropy(probs, onehot);
  loss.backward();
  const Tensor expected = (nn::functional::softmax(z.detach()) - onehot) * 0.5;
  expect_values(z.grad(), {2, 3}, expected.to_vector<double>(), 1e-12);
  // Second row: log p = -80 exactly through the logits (the clipped form would give -log 1e-7).
  const Tensor unreduced = nn::categorical_crossentropy(probs, onehot, {.reduction = Reduction::None});
  BOOST_TEST(unreduced.to_vector<double>()[1] == 80.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(losses_by_name) {
  const auto mse = nn::loss("mse");
  BOOST_TEST(mse.name == "mse");
  expect_values(mse(f64({1, 2, 3}), f64({1, 0, 5})), {}, {8.0 / 3}, 1e-12);
  expect_values(nn::loss("cross_entropy")(logits(), labels()), {}, {(kCe0 + kCe1) / 2}, 1e-12);
  expect_values(nn::loss("mean_absolute_error")(f64({1, 2, 3}), f64({1, 0, 5})), {}, {4.0 / 3}, 1e-12);
  const auto names = nn::loss_names();
  BOOST_TEST(names.size() == 10u);
  for (const auto& n : names) BOOST_TEST(nn::loss(n).name == n);
  expect_error<xg::ValueError>([] { nn::loss("hinge"); },
                               {"unknown loss 'hinge'", "valid names:", "binary_crossentropy", "mse", "nll"});
}

BOOST_AUTO_TEST_SUITE_END()
