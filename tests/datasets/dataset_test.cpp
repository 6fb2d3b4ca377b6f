// Dataset, TensorDataset, Subset, subset and split_tail: values of single examples and gathered
// batches against the source rows, the default stacking get_batch, and the error messages.
#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <xgrad/datasets/dataset.hpp>
#include <xgrad/xgrad.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ds = xg::datasets;
namespace tt = boost::test_tools;
using xg_test::contains;
using I64 = std::vector<std::int64_t>;

namespace {

// x [n, 2, 3] with x[i] filled with 100 i + 0..5; y [n] = 10 i.
ds::TensorDataset numbered(std::int64_t n) {
  xg::Tensor x = xg::arange(0, static_cast<double>(n * 6)).reshape({n, 2, 3});
  x = x + (xg::arange(0, static_cast<double>(n)) * 94.0).reshape({n, 1, 1});  // 6 i + k + 94 i = 100 i + k
  xg::Tensor y = xg::arange(0, static_cast<double>(n), 1, {.dtype = xg::kInt64}) * 10.0;
  return ds::TensorDataset(x, y.to(xg::kInt64));
}

// Only get(): exercises Dataset's default get_batch. Example i: x = [i, -i], y = i % 3 (as 0-d).
struct Pairs : ds::Dataset {
  std::int64_t n;
  explicit Pairs(std::int64_t n_) : n(n_) {}
  std::int64_t size() const override { return n; }
  ds::Example get(std::int64_t i) const override {
    return {xg::tensor({static_cast<double>(i), -static_cast<double>(i)}),
            xg::scalar_tensor(static_cast<double>(i % 3), {.dtype = xg::kInt64})};
  }
};

// Example 2 has a different x shape.
struct Ragged : Pairs {
  Ragged() : Pairs(4) {}
  ds::Example get(std::int64_t i) const override {
    return i == 2 ? ds::Example{xg::zeros({3}), xg::scalar_tensor(0, {.dtype = xg::kInt64})} : Pairs::get(i);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dataset)

BOOST_AUTO_TEST_CASE(tensor_dataset_get_returns_row_views) {
  const auto data = numbered(5);
  BOOST_TEST(data.size() == 5);
  const ds::Example e = data.get(3);
  BOOST_TEST(e.x.shape() == (xg::Shape{2, 3}));
  BOOST_TEST(e.x.to_vector<double>() == (std::vector<double>{300, 301, 302, 303, 304, 305}), tt::per_element());
  BOOST_TEST(e.y.dim() == 0);
  BOOST_TEST(e.y.item() == 30.0);
  BOOST_TEST(e.x.shares_storage(data.x()));
  BOOST_CHECK_EXCEPTION(data.get(5), xg::IndexError, [](const xg::IndexError& err) {
    return std::string(err.what()) == "TensorDataset::get: index 5 is out of range for a dataset of 5 examples";
  });
}

BOOST_AUTO_TEST_CASE(tensor_dataset_get_batch_gathers_rows) {
  const auto data = numbered(6);
  const ds::Batch b = data.get_batch({4, 0, 4, 2});
  BOOST_TEST(b.x.shape() == (xg::Shape{4, 2, 3}));
  BOOST_TEST(b.x.to_vector<double>() == (std::vector<double>{400, 401, 402, 403, 404, 405, 0, 1, 2, 3, 4, 5, 400, 401,
                                                             402, 403, 404, 405, 200, 201, 202, 203, 204, 205}),
             tt::per_element());
  BOOST_TEST(b.y.to_vector<std::int64_t>() == (I64{40, 0, 40, 20}), tt::per_element());
  BOOST_TEST(!b.x.shares_storage(data.x()));
  BOOST_CHECK_EXCEPTION(data.get_batch({1, -1}), xg::IndexError,
                        [](const xg::IndexError& e) { return contains(e.what(), "index -1 is out of range"); });
}

BOOST_AUTO_TEST_CASE(large_gather_matches_single_rows) {
  // 3,000 rows of 784 floats: big enough for the parallel path.
  xg::manual_seed(3);
  const ds::TensorDataset data(xg::rand({3000, 784}), xg::randint(0, 10, {3000}));
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < 3000; ++i) indices.push_back((i * 7919) % 3000);
  const ds::Batch b = data.get_batch(indices);
  const auto all = b.x.to_vector<float>();
  const auto src = data.x().to_vector<float>();
  bool same = true;
  for (std::size_t i = 0; i < indices.size() && same; ++i)
    for (std::size_t k = 0; k < 784; ++k)
      same = same && all[i * 784 + k] == src[static_cast<std::size_t>(indices[i]) * 784 + k];
  BOOST_TEST(same);
  const auto labels = data.y().to_vector<std::int64_t>();
  const auto got = b.y.to_vector<std::int64_t>();
  BOOST_TEST(got[1] == labels[7919 % 3000]);
}

BOOST_AUTO_TEST_CASE(mismatched_sizes_are_rejected) {
  BOOST_CHECK_EXCEPTION(ds::TensorDataset(xg::zeros({4, 3}), xg::zeros({5})), xg::ShapeError, [](const xg::ShapeError& e) {
    return std::string(e.what()) ==
           "TensorDataset: x and y must have the same number of examples (first dimension), got x [4, 3] float32 and "
           "y [5] float32";
  });
  BOOST_CHECK_EXCEPTION(ds::TensorDataset(xg::scalar_tensor(1), xg::zeros({1})), xg::ShapeError,
                        [](const xg::ShapeError& e) { return contains(e.what(), "x must be a tensor of shape [N, ...]"); });
  // Unlabelled data: y undefined.
  const ds::TensorDataset unlabelled(xg::zeros({3, 2}), xg::Tensor());
  BOOST_TEST(!unlabelled.get_batch({0, 1}).y.defined());
  BOOST_TEST(unlabelled.get_batch({0, 1}).x.shape() == (xg::Shape{2, 2}));
}

BOOST_AUTO_TEST_CASE(default_get_batch_stacks_examples) {
  const Pairs data(5);
  const ds::Batch b = data.get_batch({3, 1, 4});
  BOOST_TEST(b.x.shape() == (xg::Shape{3, 2}));
  BOOST_TEST(b.x.to_vector<double>() == (std::vector<double>{3, -3, 1, -1, 4, -4}), tt::per_element());
  BOOST_TEST(b.y.shape() == (xg::Shape{3}));
  BOOST_TEST(b.y.to_vector<std::int64_t>() == (I64{0, 1, 1}), tt::per_element());
  BOOST_CHECK_EXCEPTION(Ragged().get_batch({0, 1, 2}), xg::ShapeError, [](const xg::ShapeError& e) {
    return std::string(e.what()) ==
           "Dataset::get_batch: example 2 has x [3] float32 but example 0 (the first of the batch) has [2] float32; "
           "every example of a batch must have the same shape and dtype";
  });
  BOOST_CHECK_THROW(data.get_batch({}), xg::ValueError);
}

BOOST_AUTO_TEST_CASE(subset_class_maps_indices) {
  auto base = std::make_shared<ds::TensorDataset>(numbered(6));
  const ds::Subset sub(base, {5, 1, 3});
  BOOST_TEST(sub.size() == 3);
  BOOST_TEST(sub.get(0).y.item() == 50.0);
  BOOST_TEST(sub.get_batch({2, 0}).y.to_vector<std::int64_t>() == (I64{30, 50}), tt::per_element());
  BOOST_CHECK_EXCEPTION(ds::Subset(base, {0, 6}), xg::IndexError, [](const xg::IndexError& e) {
    return std::string(e.what()) == "Subset: index 6 is out of range for a dataset of 6 examples";
  });
  BOOST_CHECK_THROW(sub.get(3), xg::IndexError);
}

BOOST_AUTO_TEST_CASE(subset_and_split_tail_share_rows) {
  const auto data = numbered(10);
  const auto middle = ds::subset(data, 2, 5);
  BOOST_TEST(middle.size() == 3);
  BOOST_TEST(middle.y().to_vector<std::int64_t>() == (I64{20, 30, 40}), tt::per_element());
  BOOST_TEST(middle.x().shares_storage(data.x()));
  BOOST_CHECK_THROW(ds::subset(data, 4, 11), xg::IndexError);

  // Keras: split at floor(10 * 0.8) = 8, the validation part is the last 2 examples.
  auto [fit, validation] = ds::split_tail(data, 0.2);
  BOOST_TEST(fit.size() == 8);
  BOOST_TEST(validation.y().to_vector<std::int64_t>() == (I64{80, 90}), tt::per_element());
  BOOST_TEST(validation.get(0).x.to_vector<double>()[0] == 800.0);
  BOOST_TEST(ds::split_tail(data, 0.05).second.size() == 1);  // floor(9.5) = 9
  BOOST_CHECK_EXCEPTION(ds::split_tail(data, 0.99), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "leaves one part empty (split at 0)"); });
  BOOST_CHECK_EXCEPTION(ds::split_tail(data, 1.0), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "fraction must be in (0, 1), got 1"); });
}

BOOST_AUTO_TEST_SUITE_END()
