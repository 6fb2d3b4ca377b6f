// Metrics: accuracy with sparse, one-hot and binary targets, top-k, the confusion matrix, metric
// names and errors — all on small hand-checked inputs.
#include <boost/test/unit_test.hpp>

#include <xgrad/nn/nn.hpp>

#include "helpers.hpp"

using xg::Tensor;
using xg::test::expect_error;
using xg::test::expect_values;
namespace nn = xg::nn;

namespace {

Tensor labels_of(std::vector<std::int64_t> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return xg::from_vector(v, {n});
}

// Four samples, three classes; arg-max predictions 1, 0, 2, 2.
Tensor scores() { return xg::tensor({{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}, {0.2, 0.3, 0.5}, {0.1, 0.4, 0.5}}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(sparse_and_categorical_accuracy) {
  // Truth 1, 0, 1, 2: three right.
  BOOST_TEST(nn::accuracy(scores(), labels_of({1, 0, 1, 2})) == 0.75);
  BOOST_TEST(nn::accuracy(scores(), labels_of({0, 1, 0, 0})) == 0.0);
  const Tensor onehot = xg::tensor({{0, 1, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  BOOST_TEST(nn::accuracy(scores(), onehot) == 0.75);
  // Predictions that require grad are fine (no graph is recorded).
  const Tensor p = scores().requires_grad_();
  BOOST_TEST(nn::accuracy(p, labels_of({1, 0, 2, 2})) == 1.0);
}

BOOST_AUTO_TEST_CASE(binary_accuracy_thresholds_at_one_half) {
  BOOST_TEST(nn::accuracy(xg::tensor({0.9, 0.2, 0.6, 0.4}), xg::tensor({1, 0, 0, 0})) == 0.75);
  BOOST_TEST(nn::accuracy(xg::tensor({{0.9}, {0.2}, {0.6}, {0.4}}), xg::tensor({{1}, {0}, {1}, {1}})) == 0.75);
  expect_error<xg::ShapeError>([] { nn::accuracy(xg::tensor({0.9, 0.2}), xg::tensor({1, 0, 1})); },
                               {"binary prediction [2]", "target [3]"});
}

BOOST_AUTO_TEST_CASE(top_k_accuracy_counts_the_k_best) {
  // Truth 2, 2, 0, 0: ranks of the true class 2nd, 3rd, 3rd, 3rd.
  const Tensor truth = labels_of({2, 2, 0, 0});
  BOOST_TEST(nn::top_k_accuracy(scores(), truth, 1) == 0.0);
  BOOST_TEST(nn::top_k_accuracy(scores(), truth, 2) == 0.25);
  BOOST_TEST(nn::top_k_accuracy(scores(), truth, 3) == 1.0);
  BOOST_TEST(nn::top_k_accuracy(scores(), labels_of({1, 0, 1, 2}), 1) == nn::accuracy(scores(), labels_of({1, 0, 1, 2})));
  expect_error<xg::ValueError>([&] { nn::top_k_accuracy(scores(), truth, 0); }, {"k must be positive, got 0"});
}

BOOST_AUTO_TEST_CASE(confusion_matrix_rows_are_true_classes) {
  // (true, predicted): (1, 1), (0, 0), (1, 2), (2, 2).
  expect_values(nn::confusion_matrix(scores(), labels_of({1, 0, 1, 2}), 3), {3, 3}, {1, 0, 0, 0, 1, 1, 0, 0, 1});
  // Class-index predictions work too.
  const Tensor m = nn::confusion_matrix(labels_of({0, 0, 1}), labels_of({0, 1, 1}), 2);
  BOOST_TEST((m.dtype() == xg::kInt64));
  expect_values(m, {2, 2}, {1, 0, 1, 1});
  expect_error<xg::IndexError>([] { nn::confusion_matrix(labels_of({0, 3}), labels_of({0, 1}), 2); },
                               {"class 3 at sample 1", "out of range for 2 classes"});
}

BOOST_AUTO_TEST_CASE(metric_names) {
  BOOST_TEST(nn::metric("acc").name == "accuracy");
  BOOST_TEST(nn::metric("accuracy")(scores(), labels_of({1, 0, 1, 2})) == 0.75);
  BOOST_TEST(nn::metric("top_k_categorical_accuracy")(scores(), labels_of({2, 2, 0, 0})) == 1.0);
  const std::vector<std::string> expected = {"acc", "accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                                             "top_k_categorical_accuracy"};
  BOOST_TEST(nn::metric_names() == expected, boost::test_tools::per_element());
  expect_error<xg::ValueError>([] { nn::metric("f1"); }, {"unknown metric 'f1'", "valid names:", "accuracy"});
}

BOOST_AUTO_TEST_CASE(mismatched_targets) {
  expect_error<xg::ShapeError>([] { nn::accuracy(scores(), labels_of({1, 0})); },
                               {"accuracy", "[2]", "[4, 3]", "int64 labels [N] or one-hot [N, C]"});
  expect_error<xg::ShapeError>([] { nn::accuracy(xg::ones({2, 3, 4}), labels_of({1, 0})); },
                               {"expected predictions [N, C]", "[2, 3, 4]"});
}

BOOST_AUTO_TEST_SUITE_END()
